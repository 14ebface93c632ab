using PlmKit.Data;

namespace PlmKit.Tests.Data;

/// <summary>
/// DSSP parsing and the study's counting, on an ideal two-helix backbone built for the test
/// (Reference/two_helices.py says how; expected values from the study's own counting code).
/// </summary>
public sealed class SecondaryStructureTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static string Reference(string file) => Path.Combine(SharedData.RepoRoot, "tests", "PlmKit.Tests", "Data", "Reference", file);

    private static void AssertStudyFractions(SecondaryStructureFractions f)
    {
        Assert.Equal(39, f.Residues);
        Assert.Equal(37, f.Counted);
        Assert.Equal(31.0 / 37, f.Helix, 15);
        Assert.Equal(0.0, f.Strand);
        Assert.Equal(4.0 / 37, f.Coil, 15);
        Assert.Equal(2.0 / 37, f.Fractions['S'], 15);
        Assert.Equal(1.0, f.Fractions.Values.Sum(), 12);
    }

    [Fact]
    public void ParsesClassicOutputAndCountsAsTheStudy()
    {
        var residues = Dssp.Parse(Reference("two_helices.dssp"));
        Assert.Equal(39, residues.Count);
        Assert.Equal("-HHHHHHHHHHHHHHHHHSPPHHHHHHHHHHHHHHS---", string.Concat(residues.Select(r => r.Code)));
        Assert.Equal(new DsspResidue('A', 1, ' ', 'A', '-'), residues[0]);
        AssertStudyFractions(Dssp.Fractions(residues, 'A'));
    }

    [Fact]
    public void RunsMkdsspWhenInstalledElseSaysHowToInstallIt()
    {
        try
        {
            AssertStudyFractions(Dssp.Fractions(Dssp.Run(Reference("two_helices.pdb")), 'A'));
        }
        catch (ConfigurationException e)
        {
            Assert.Contains("apt-get install dssp", e.Message);
            Assert.Null(FindOnPath("mkdssp"));
        }
    }

    private static string? FindOnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, exe)).FirstOrDefault(File.Exists);

    [Fact]
    public void MissingExecutableIsAClearError()
    {
        var e = Assert.Throws<ConfigurationException>(() => Dssp.Run(Reference("two_helices.pdb"), _tmp.Sub("no-mkdssp")));
        Assert.Contains("apt-get install dssp", e.Message);
    }

    [Fact]
    public void StrandsAndBreaksAreCounted()
    {
        var residues = new[] { 'E', 'E', 'B', '-', 'T', 'G', 'I', 'P' }.Select((c, i) => new DsspResidue('B', i + 1, ' ', 'V', c)).ToList();
        var f = Dssp.Fractions(residues, 'B');
        Assert.Equal(7, f.Counted);
        Assert.Equal(2.0 / 7, f.Strand, 15);
        Assert.Equal(0.0, f.Helix);
        var e = Assert.Throws<InputException>(() => Dssp.Fractions(residues, 'Z'));
        Assert.Contains("chains there: B", e.Message);
    }

    [Fact]
    public void BadDsspFilesAreNamed()
    {
        var notDssp = _tmp.Write("x.dssp", "HEADER\nnothing here\n");
        var e = Assert.Throws<InputException>(() => Dssp.Parse(notDssp));
        Assert.Equal(notDssp, e.File);
        Assert.Contains("no DSSP residue table", e.Message);
        var broken = _tmp.Write("y.dssp", "  #  RESIDUE AA STRUCTURE\n    1    1 A A  H\n  oops\n");
        var e2 = Assert.Throws<InputException>(() => Dssp.Parse(broken));
        Assert.Equal(3, e2.Line);
        var missing = Assert.Throws<InputException>(() => Dssp.Run(_tmp.Sub("none.pdb")));
        Assert.Contains("file not found", missing.Message);
        var garbage = _tmp.Write("bad.pdb", "this is not a structure\n");
        if (FindOnPath("mkdssp") is not null)
            Assert.Contains("DSSP could not process this structure", Assert.Throws<InputException>(() => Dssp.Run(garbage)).Message);
    }
}
