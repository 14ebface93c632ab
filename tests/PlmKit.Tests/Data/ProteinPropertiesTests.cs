using PlmKit.Data;

namespace PlmKit.Tests.Data;

/// <summary>
/// Property targets against references computed by the study's own library: the Python package
/// <c>peptides</c> 0.3.4, run unchanged on the golden sequences (see
/// Reference/protein_properties_reference.py for how), and against Biopython 1.80's ProtParam
/// where it defines the property the same way.
/// </summary>
public class ProteinPropertiesTests
{
    private static readonly Dictionary<string, string> Golden =
        FastaReader.Read(Path.Combine(SharedData.Golden, "sequences.fasta")).ToDictionary(r => r.Id, r => r.Sequence);

    // id, length, mW kDa, charge pH 7, pI, instability, KD hydrophobicity, freq A, freq L: peptides 0.3.4.
    [Theory]
    [InlineData("IF1_ECOLI", 72, 8.249575640000002, 2.188596804652655, 9.781248941086233, 37.34999999999999, -0.3541666666666667, 0.027777777777777776, 0.08333333333333333)]
    [InlineData("SUMO1_HUMAN_Roth2017", 101, 11.556989140000002, -4.680405101198425, 5.183120884466916, 44.42871287128712, -0.915841584158416, 0.019801980198019802, 0.06930693069306931)]
    [InlineData("UBC9_HUMAN_Roth2017", 159, 18.169997940000002, 3.9452959071585036, 8.833891565911472, 45.55094339622641, -0.5377358490566039, 0.07547169811320754, 0.08176100628930817)]
    [InlineData("BLAT_ECOLX_Tenaillon2013", 286, 31.51520114, -5.515639954573467, 5.60569109255448, 40.73671328671327, -0.10874125874125881, 0.10139860139860139, 0.11538461538461539)]
    [InlineData("BRCA1_HUMAN_RING", 1863, 207.72084854000002, -67.95196642724306, 5.113564136903733, 54.67520128824511, -0.7849168008588299, 0.04508856682769726, 0.08373590982286634)]
    [InlineData("single_M", 1, 0.14920784, -0.0020157006072527572, 6.01500000199303, 0.0, 1.9, 0.0, 0.0)]
    [InlineData("short5", 5, 0.6127418399999999, 0.9968388513224302, 9.749617866240442, 8.0, -0.44000000000000006, 0.2, 0.0)]
    [InlineData("rare_XBUZO", 33, 3.7682565400000008, 3.092473308864192, 10.470606758259237, 47.724242424242426, -0.6393939393939394, 0.06060606060606061, 0.030303030303030304)]
    [InlineData("rand257", 257, 29.921411440000004, 3.3005137145924577, 7.691544317640364, 47.52918287937743, -0.41206225680933856, 0.054474708171206226, 0.07392996108949416)]
    [InlineData("rand1023", 1023, 121.31328753999999, -6.067984388295395, 6.718143471516669, 43.4848484848486, -0.5054740957966765, 0.05180840664711633, 0.056695992179863146)]
    public void MatchesTheStudysPeptidesPackage(string id, int length, double mw, double charge, double pI, double instability,
        double hydrophobicity, double freqA, double freqL)
    {
        var p = ProteinProperties.Compute(Golden[id]);
        Assert.Equal(length, p.Length);
        // Sums in another order than numpy's: agreement to rounding, far below the study's 2 decimals.
        Assert.Equal(mw, p.MolecularWeightKda, 1e-10);
        Assert.Equal(charge, p.ChargeAtPh7, 1e-10);
        Assert.Equal(pI, p.IsoelectricPoint, 1e-8);
        Assert.Equal(instability, p.InstabilityIndex, 1e-10);
        Assert.Equal(hydrophobicity, p.Hydrophobicity, 1e-12);
        Assert.Equal(freqA, p.Frequency('A'), 1e-15);
        Assert.Equal(freqL, p.Frequency('L'), 1e-15);
        Assert.Equal(20, p.Frequencies.Length);
    }

    [Fact]
    public void MatchesTheValuesInPeptidesDocumentation()
    {
        // Doctest values of peptides' Peptide.charge / isoelectric_point / instability_index / molecular_weight.
        Assert.Equal(2.8731, ProteinProperties.Charge("FLPVLAGLTPSIVPKLVCLLTKKC", 7.0), 4);
        var p = ProteinProperties.Compute("QWGRRCCGWGPGRRYCVRWC");
        Assert.Equal(9.93, p.IsoelectricPoint, 2);
        Assert.Equal(83.68, p.InstabilityIndex, 2);
        Assert.Equal(2485.91, p.MolecularWeightKda * 1000, 2);
    }

    [Theory]
    // Biopython 1.80 ProtParam instability_index() and gravy(): same DIWV entries for these
    // sequences (they contain neither FY nor KQ, where Biopython's table differs).
    [InlineData("IF1_ECOLI", 37.34999999999999, -0.35416666666666663)]
    [InlineData("SUMO1_HUMAN_Roth2017", 44.42871287128712, -0.915841584158416)]
    [InlineData("BLAT_ECOLX_Tenaillon2013", 40.73671328671327, -0.1087412587412586)]
    public void AgreesWithBiopythonWhereTheDefinitionsAgree(string id, double instability, double gravy)
    {
        var p = ProteinProperties.Compute(Golden[id]);
        Assert.Equal(instability, p.InstabilityIndex, 1e-10);
        Assert.Equal(gravy, p.Hydrophobicity, 1e-12);
    }

    [Fact]
    public void RoundsLikeTheStudy()
    {
        var p = ProteinProperties.Compute(Golden["IF1_ECOLI"]).RoundedAsStudy();
        Assert.Equal(8.25, p.MolecularWeightKda);
        Assert.Equal(2.19, p.ChargeAtPh7);
        Assert.Equal(9.78, p.IsoelectricPoint);
        Assert.Equal(37.35, p.InstabilityIndex);
        Assert.Equal(-0.35, p.Hydrophobicity);
        Assert.Equal(0.027777777777777776, p.Frequency('A'));
    }

    [Fact]
    public void RejectsEmptySequencesAndUnknownFrequencyLetters()
    {
        Assert.Throws<InputException>(() => ProteinProperties.Compute(""));
        Assert.Throws<ArgumentException>(() => ProteinProperties.Compute("MK").Frequency('X'));
    }
}
