using PlmKit.Data;
using PlmKit.Regression;

namespace PlmKit.Tests.Regression;

/// <summary>
/// ProteinGym's fold columns against its own split code run on the study's IF1_ECOLI assay
/// (Reference/proteingym_folds_IF1_ECOLI.csv, made by Reference/make_proteingym_folds.py).
/// </summary>
public sealed class ProteinGymFoldsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static Assay If1 => AssayReader.Read(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv"));

    [Theory]
    [InlineData(ProteinGymScheme.Random, 2)]
    [InlineData(ProteinGymScheme.Modulo, 3)]
    [InlineData(ProteinGymScheme.Contiguous, 4)]
    public void MatchesProteinGymsSplitCode(ProteinGymScheme scheme, int column)
    {
        var assay = If1;
        var reference = File.ReadAllLines(Path.Combine(SharedData.RepoRoot, "tests", "PlmKit.Tests", "Regression", "Reference", "proteingym_folds_IF1_ECOLI.csv"))
            .Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(reference.Count, assay.Count);
        var folds = ProteinGymFolds.Assign(assay, scheme, 5);
        for (int i = 0; i < assay.Count; i++)
        {
            Assert.Equal(reference[i][0], assay.Records[i].Id);
            Assert.Equal(int.Parse(reference[i][column]), folds[i]);
        }
    }

    [Fact]
    public void MultiMutantFoldsMatchProteinGymsSplitCode()
    {
        // fold_rand_multiples of ProteinGym's script on an assay of singles, doubles and triples in mixed order
        // (Reference/make_proteingym_multiples_folds.py).
        var reference = Path.Combine(SharedData.RepoRoot, "tests", "PlmKit.Tests", "Regression", "Reference");
        var assay = AssayReader.Read(Path.Combine(reference, "proteingym_multiples_assay.csv"));
        var expected = File.ReadAllLines(Path.Combine(reference, "proteingym_multiples_folds.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(expected.Count, assay.Count);
        Assert.True(ProteinGymFolds.HasMultiMutants(assay));
        var folds = ProteinGymFolds.AssignMultiples(assay);
        for (int i = 0; i < assay.Count; i++)
        {
            Assert.Equal(expected[i][0], assay.Records[i].Mutant);
            Assert.Equal(int.Parse(expected[i][1]), folds[i]);
        }
        // The same through --folds proteingym-random.
        Assert.Equal(folds, FoldScheme.Parse("proteingym-random").Assign(assay).FoldOfRow);
    }

    [Fact]
    public void ContiguousFoldsAreBlocksAndModuloFoldsInterleave()
    {
        var assay = If1;
        var sites = assay.Records.Select(r => Mutations.Parse(r.Mutant!)[0].Position).ToArray();
        var contiguous = ProteinGymFolds.Assign(assay, ProteinGymScheme.Contiguous, 5);
        var modulo = ProteinGymFolds.Assign(assay, ProteinGymScheme.Modulo, 5);
        // Contiguous: fold numbers never decrease along the sequence.
        var bySite = sites.Zip(contiguous).Distinct().OrderBy(x => x.First).Select(x => x.Second).ToArray();
        Assert.True(bySite.Zip(bySite.Skip(1)).All(p => p.First <= p.Second));
        // Modulo: no site is split across folds.
        Assert.All(sites.Zip(modulo).GroupBy(x => x.First), g => Assert.Single(g.Select(x => x.Second).Distinct()));
    }

    [Fact]
    public void AMultiMutantIsNamedWithItsLine()
    {
        var csv = _tmp.Write("multi.csv", ",ID,mutant,target,sequence\n0,a,M1A,0.1,AKT\n1,b,M1A:K2W,0.2,AWT\n2,c,K2W,0.3,MWT\n");
        var assay = AssayReader.Read(csv);
        var e = Assert.Throws<InputException>(() => ProteinGymFolds.Assign(assay, ProteinGymScheme.Modulo, 2));
        Assert.Contains(":3:", e.Message);
        Assert.Contains("multi-mutant", e.Message);
    }

    [Fact]
    public void FewerPositionsThanFoldsIsRefused()
    {
        var csv = _tmp.Write("few.csv", ",ID,mutant,target,sequence\n0,a,M1A,0.1,AKT\n1,b,K2W,0.2,MWT\n2,c,M1C,0.3,CKT\n");
        var e = Assert.Throws<InputException>(() => ProteinGymFolds.Assign(AssayReader.Read(csv), ProteinGymScheme.Contiguous, 5));
        Assert.Contains("2 mutated positions are fewer than the 5 folds", e.Message);
    }

    [Theory]
    [InlineData("fold_random_5", ProteinGymScheme.Random, 5)]
    [InlineData("fold_modulo_5", ProteinGymScheme.Modulo, 5)]
    [InlineData("fold_contiguous_10", ProteinGymScheme.Contiguous, 10)]
    public void ColumnNamesRoundTrip(string name, ProteinGymScheme scheme, int k)
    {
        Assert.True(ProteinGymFolds.TryParse(name, out var s, out var kk));
        Assert.Equal((scheme, k), (s, kk));
        Assert.Equal(name, ProteinGymFolds.ColumnName(scheme, k));
        Assert.False(ProteinGymFolds.TryParse("fold", out _, out _));
        Assert.False(ProteinGymFolds.TryParse("fold_modulo_x", out _, out _));
    }
}
