using PlmKit.Data;

namespace PlmKit.Tests.Data;

/// <summary>The study's 35 DMS CSVs read without error, every row kept, mutants checked.</summary>
public class SwatDmsTests
{
    public static TheoryData<string> DmsFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(SharedData.Swat, "dms"), "*.csv").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void ThereAre35Assays() => Assert.Equal(35, DmsFiles().Count);

    [Theory]
    [MemberData(nameof(DmsFiles))]
    public void ReadsEveryRow(string file)
    {
        var path = Path.Combine(SharedData.Swat, "dms", file);
        // Rows = lines minus the header (the files have no quoted newlines and no blank lines).
        int expected = File.ReadLines(path).Count() - 1;
        var assay = AssayReader.Read(path);
        Assert.Equal(expected, assay.Count);
        Assert.Equal(Path.GetFileNameWithoutExtension(file), assay.Name);
        Assert.Empty(assay.Dropped);
        Assert.NotNull(assay.WildType);
        Assert.All(assay.Records, r => Assert.True(double.IsFinite(r.Target)));
        Assert.Equal(2, assay.Records[0].SourceLine);
        Assert.Equal(expected + 1, assay.Records[^1].SourceLine);
        // Every variant is the common wild type with its own substitutions.
        foreach (var r in assay.Records)
            Assert.Equal(assay.WildType, Mutations.WildType(r.Sequence, r.Mutant!, assay.MutantOffset));
    }

    [Fact]
    public void DetectsTheShiftedNumberingOfMth3()
    {
        var assay = AssayReader.Read(Path.Combine(SharedData.Swat, "dms", "MTH3_HAEAESTABILIZED_Tawfik2015.csv"));
        Assert.Equal(1, assay.MutantOffset);
        Assert.Contains(assay.Notes, n => n.Contains("shifted by +1"));
        // Without detection the first row already disagrees: N2I, but position 2 is A.
        var e = Assert.Throws<InputException>(() => AssayReader.Read(
            Path.Combine(SharedData.Swat, "dms", "MTH3_HAEAESTABILIZED_Tawfik2015.csv"), options: new AssayReadOptions { MutantOffset = 0 }));
        Assert.Equal(2, e.Line);
        Assert.Contains("N2I", e.Problem);
    }

    [Fact]
    public void KeepsReplicateRowsOfOneIdAndSaysSo()
    {
        var path = Path.Combine(SharedData.Swat, "dms", "BRCA1_HUMAN_BRCT.csv");
        var assay = AssayReader.Read(path);
        Assert.Equal(1622, assay.Count);
        Assert.Contains(assay.Notes, n => n.Contains("more than once"));
        var e = Assert.Throws<InputException>(() => AssayReader.Read(path, options: new AssayReadOptions { DuplicateIds = DuplicateIdPolicy.Error }));
        Assert.Contains("duplicate id 'BRCA_BRCT_S1631R' (first at line 8)", e.Message);
        Assert.Equal(9, e.Line);
    }

    [Fact]
    public void WildTypeOfIf1MatchesTheGoldenSequence()
    {
        var assay = AssayReader.Read(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv"), AssayFormat.Swat);
        var golden = FastaReader.Read(Path.Combine(SharedData.Golden, "sequences.fasta"));
        Assert.Equal(golden.Single(g => g.Id == "IF1_ECOLI").Sequence, assay.WildType);
        Assert.Equal("M1N", assay.Records[0].Mutant);
    }
}
