using PlmKit.Figures;

namespace PlmKit.Tests.Figures;

/// <summary>README's and the docs' stated numbers against the reproduction's, and the checker itself.</summary>
[Collection(ReproductionCollection.Name)]
public class ProseNumbersTests(ReproductionFixture run)
{
    /// <summary>The headline numbers as the run wrote them (key, value).</summary>
    private IReadOnlyList<HeadlineNumber> Numbers()
    {
        Assert.True(run.Code == 0, run.Err);
        return ProseNumbers.Read(run.PathOf(StudyReproduction.NumbersFile));
    }

    /// <summary>The text of a markdown section, from its heading to the next heading or image.</summary>
    private static string Section(string file, string heading)
    {
        string text = File.ReadAllText(Path.Combine(SharedData.RepoRoot, file));
        int start = text.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{file} has no '{heading}'");
        int end = text.IndexOfAny(['#', '!'], start + heading.Length);
        return text[start..(end < 0 ? text.Length : end)];
    }

    [Theory]
    [InlineData("README.md", "### What the study's tables say")]
    [InlineData("docs/figures-and-notebooks.md", "What it finds on the study's tables")]
    public void Every_number_the_prose_states_is_a_computed_one(string file, string heading)
    {
        var numbers = Numbers();
        string prose = Section(file, heading);
        Assert.True(ProseNumbers.Decimals(prose).Count >= 8, "the section states fewer numbers than expected: wrong section?");
        Assert.Empty(ProseNumbers.Unmatched(prose, numbers));
        // And the headline ones are there: Figure 3A's basis and the compression answer.
        foreach (var key in new[] { "fig3a.median.esmc:600M", "fig3a.median.esm2:35M", "fig2a.closest.estimate", "plmkit.all-assays.median.esmc:600M" })
            Assert.True(ProseNumbers.States(prose, numbers.Single(n => n.Key == key).Value), $"{file} does not state {key}");
    }

    [Theory]
    [InlineData("key,value,description\na,nan,x\n", "t.csv:2:", "finite")]
    [InlineData("key,value,description\na,1,x\na,2,y\n", "t.csv:3:", "listed twice")]
    [InlineData("key,value\na,1\n", "t.csv:1:", "no column 'description'")]
    public void A_bad_numbers_file_is_one_input_error(string csv, string location, string problem)
    {
        using var tmp = new TempDir();
        string path = tmp.Write("t.csv", csv);
        var e = Assert.Throws<PlmKit.InputException>(() => ProseNumbers.Read(path));
        Assert.Contains(location, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Decimals_are_read_with_their_signs_and_versions_are_not_decimals()
    {
        Assert.Equal(["-0.034", "0.487", "0.10", "0.5"], ProseNumbers.Decimals("closest −0.034 R²; median 0.487, +0.10 (v1.0.712, 2.35.3) and 0.5."));
        Assert.Empty(ProseNumbers.Decimals("1,022 residues, 95% CI, 23 of 31"));
    }

    [Fact]
    public void A_stale_or_misrounded_number_is_reported()
    {
        var numbers = new[] { new HeadlineNumber("a", 0.48697, "x"), new HeadlineNumber("b", -0.0342, "y") };
        Assert.Empty(ProseNumbers.Unmatched("0.487 and 0.49 and −0.034 and -0.03", numbers));
        Assert.Equal(["0.486", "0.034", "0.4"], ProseNumbers.Unmatched("0.486, 0.034 (sign lost) and 0.4", numbers));
        Assert.True(ProseNumbers.States("median 0.49", 0.48697));
        Assert.False(ProseNumbers.States("median 0.48", 0.48697));
        Assert.True(ProseNumbers.Matches("0.063", 0.0625));   // half away from zero, as people round
        Assert.False(ProseNumbers.Matches("0.062", 0.0625));
    }
}
