using PlmKit.Data;
using PlmKit.Tests.Data;

namespace PlmKit.Tests.Data;

public sealed class PropertiesCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void WritesTheStudysColumns()
    {
        var fasta = Path.Combine(SharedData.Golden, "sequences.fasta");
        var output = _tmp.Sub("targets");
        var (code, stdout, err) = CliRunner.Run("properties", "--input", fasta, "--out", output);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains("wrote 12 proteins", stdout);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "properties.manifest.json")))!;
        Assert.Equal("plmkit.manifest/1", (string?)manifest["schema"]);
        Assert.Equal(FileHash.Sha256(fasta), (string?)manifest["inputs"]![0]!["sha256"]);
        Assert.Equal("properties.csv", (string?)manifest["outputs"]![0]!["path"]);
        var lines = File.ReadAllLines(Path.Combine(output, "properties.csv"));
        Assert.Equal(13, lines.Length);
        Assert.Equal("ID,sequence,len,Instability_index,Hydrophobicity,Charge,Isoelectric_point,mW_kDa,A_freq,C_freq,D_freq,E_freq,F_freq,G_freq,H_freq,I_freq,K_freq,L_freq,M_freq,N_freq,P_freq,Q_freq,R_freq,S_freq,T_freq,V_freq,W_freq,Y_freq", lines[0]);
        // IF1_ECOLI, as peptides 0.3.4 rounded by the study (see ProteinPropertiesTests).
        Assert.StartsWith("IF1_ECOLI,MAKEDNIEMQGTVLETLPNTMFRVELENGHVVTAHISGKMRKNYIRILTGDKVTVELTPYDLSKGRIVFRSR,72,37.35,-0.35,2.19,9.78,8.25,0.027777777777777776,", lines[1]);
        // The same table is readable as an assay (targets: one column of it).
        var assay = AssayReader.Read(Path.Combine(output, "properties.csv"), AssayFormat.Csv, new AssayReadOptions { IdColumn = "ID", TargetColumn = "Isoelectric_point" });
        Assert.Equal(9.78, assay.Records[0].Target);
    }

    [Fact]
    public void AddsSecondaryStructureFromAFolder()
    {
        var structures = _tmp.Sub("pdb");
        Directory.CreateDirectory(structures);
        File.Copy(Path.Combine(SharedData.RepoRoot, "tests", "PlmKit.Tests", "Data", "Reference", "two_helices.pdb"), Path.Combine(structures, "HLX1.pdb"));
        var fasta = _tmp.Write("h.fasta", ">HLX1A\n" + new string('A', 39) + "\n");
        var output = _tmp.Sub("ss");
        var (code, _, err) = CliRunner.Run("properties", "--input", fasta, "--out", output, "--structures", structures);
        if (code == 2 && err.Contains("apt-get install dssp")) return; // no mkdssp here: the clear message is the contract
        Assert.Equal(0, code);
        var lines = File.ReadAllLines(Path.Combine(output, "properties.csv"));
        Assert.EndsWith(",ss_H,ss_B,ss_E,ss_G,ss_I,ss_T,ss_S,ss_Coil", lines[0]);
        var values = lines[1].Split(',')[^8..].Select(double.Parse).ToArray();
        Assert.Equal(31.0 / 37, values[0], 15);
        Assert.Equal(4.0 / 37, values[7], 15);
    }

    [Fact]
    public void MissingStructureNamesTheRecordAndWritesNothing()
    {
        var structures = Directory.CreateDirectory(_tmp.Sub("empty")).FullName;
        var fasta = _tmp.Write("h.fasta", ">a\nMKT\n>1XYZB\nMKV\n");
        var output = _tmp.Sub("out");
        var (code, _, err) = CliRunner.Run("properties", "--input", fasta, "--out", output, "--structures", structures);
        Assert.Equal(2, code);
        Assert.StartsWith($"plmkit: error: {fasta}:1: no structure for 'a'", err);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any());
    }

    [Fact]
    public void BadFastaIsOneLine()
    {
        var fasta = _tmp.Write("bad.fasta", ">a\nMK1\n");
        var (code, _, err) = CliRunner.Run("properties", "--input", fasta, "--out", _tmp.Sub("o"));
        Assert.Equal(2, code);
        Assert.Equal($"plmkit: error: {fasta}:2: record 'a': letter '1' at position 3 is not an amino acid (allowed: ACDEFGHIKLMNPQRSTVWYXBUZO)", err.Trim());
    }
}
