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

    /// <summary>
    /// A notebook's prose: its markdown cells without code (<see cref="ProseNumbers.WithoutCode"/>),
    /// and the decimals its code cells write, which are settings a reader changes (a margin), not results.
    /// </summary>
    internal static (string Prose, IReadOnlyList<HeadlineNumber> Settings) NotebookProse(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var cells = Notebooks.NotebookContentTests.Cells(doc);
        string Of(string type) => string.Join("\n\n", cells.Where(c => c.GetProperty("cell_type").GetString() == type).Select(Notebooks.NotebookContentTests.Source));
        var settings = ProseNumbers.Decimals(Of("code"))
            .Select(d => new HeadlineNumber("code", double.Parse(d, System.Globalization.CultureInfo.InvariantCulture), "a value the notebook's code sets"))
            .ToList();
        return (ProseNumbers.WithoutCode(Of("markdown")), settings);
    }

    [Theory]
    [MemberData(nameof(Notebooks.NotebookContentTests.Notebooks), MemberType = typeof(Notebooks.NotebookContentTests))]
    public void Every_decimal_a_notebook_states_in_prose_is_computed_or_set_by_its_code(string name)
    {
        var (prose, settings) = NotebookProse(File.ReadAllText(Path.Combine(SharedData.RepoRoot, "notebooks", name)));
        Assert.Empty(ProseNumbers.Unmatched(prose, [.. Numbers(), .. settings]));
    }

    [Theory]
    [InlineData("03-which-compression.ipynb", "fig2a.closest.estimate", "fig2b.closest.estimate")]
    [InlineData("04-is-bigger-better.ipynb", "fig3a.median.esmc:600M", "fig3a.median.esm2:15B", "plmkit.all-assays.median.esmc:600M")]
    [InlineData("05-when-does-size-matter.ipynb", "fig4a.HIS7.best_at_largest", "fig5.esmc:600M.size_r2", "fig5.esmc:600M.length_r2")]
    public void The_study_notebooks_state_their_headline_numbers(string name, params string[] keys)
    {
        var numbers = Numbers();
        var (prose, _) = NotebookProse(File.ReadAllText(Path.Combine(SharedData.RepoRoot, "notebooks", name)));
        foreach (var key in keys)
            Assert.True(ProseNumbers.States(prose, numbers.Single(n => n.Key == key).Value), $"{name} does not state {key}");
    }

    [Fact]
    public void A_stale_number_in_a_notebooks_markdown_is_reported_and_its_codes_settings_are_not()
    {
        const string notebook = """
            {"cells": [
              {"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["Median 0.487, margin 0.05 R², stale 0.455; `x - 0.99` is code."]},
              {"cell_type": "code", "id": "b", "metadata": {}, "outputs": [], "source": ["var e = comparison.Within(models, margin: 0.05);"]}
            ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            """;
        var (prose, settings) = NotebookProse(notebook);
        Assert.Equal(["0.455"], ProseNumbers.Unmatched(prose, [new HeadlineNumber("m", 0.48697, "median"), .. settings]));
        Assert.Equal(["0.487", "0.05", "0.455"], ProseNumbers.Unmatched(prose, []));
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
    public void Code_in_markdown_is_not_prose()
    {
        string markdown = "Median 0.487 (`--margin 0.02`), rule `train_loss ≥ val_loss − 0.06`.\n\n```bash\nplmkit stats --margin 0.05\n```\nthen 0.460.";
        Assert.Equal(["0.487", "0.460"], ProseNumbers.Decimals(ProseNumbers.WithoutCode(markdown)));
        Assert.Equal("a   b", ProseNumbers.WithoutCode("a `x` b"));   // a span becomes one space
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
