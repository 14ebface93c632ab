using PlmKit.Data;

namespace PlmKit.Tests.Data;

/// <summary>Good inputs of every format, CSV details (quotes, CRLF, BOM), dropping, sites.</summary>
public sealed class AssayReaderTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void ReadsQuotedFieldsCrlfAndBom()
    {
        var path = _tmp.Write("q.csv",
            ",ID,mutant,target,sequence\r\n0,\"v,1\",K2A,0.5,MATAYIAKQR\r\n1,\"v \"\"2\"\"\",T3C,-1e-3,\"MKCAYIAKQR\"\r\n\r\n2,v3,WT,2,MKTAYIAKQR\r\n",
            bom: true);
        Assert.Equal(AssayFormat.Swat, AssayReader.Detect(path));
        var a = AssayReader.Read(path);
        Assert.Equal(["v,1", "v \"2\"", "v3"], a.Ids());
        Assert.Equal([0.5, -1e-3, 2.0], a.Targets());
        Assert.Equal([2, 3, 5], a.Records.Select(r => r.SourceLine));
        Assert.Equal("MKTAYIAKQR", a.WildType);
        Assert.Equal(0, a.MutantOffset);
    }

    [Fact]
    public void StudyLayoutWithoutTheIndexColumn()
    {
        var path = _tmp.Write("n.csv", "ID,mutant,target,sequence\nv1,K2A,0.5,MATAYIAKQR\nv2,T3C,0.1,MKCAYIAKQR\n");
        Assert.Equal(AssayFormat.Swat, AssayReader.Detect(path));
        Assert.Equal("MKTAYIAKQR", AssayReader.Read(path).WildType);
    }

    [Fact]
    public void QuotedNewlineKeepsLineNumbersOfLaterRows()
    {
        var path = _tmp.Write("q.csv", "id,note,sequence,target\na,\"two\nlines\",MKT,1\nb,x,MKJ,2\n");
        var e = Assert.Throws<InputException>(() => AssayReader.Read(path, AssayFormat.Csv));
        Assert.Equal(4, e.Line);
    }

    [Fact]
    public void ReadsProteinGymWithAChosenFoldColumn()
    {
        var path = _tmp.Write("pg.csv",
            "mutant,mutated_sequence,DMS_score,DMS_score_bin,fold_random_5,fold_modulo_5\n" +
            "K2A,MATAYIAKQR,0.5,1,3,2\nT3C,MKCAYIAKQR,0.1,0,0,3\nK2A:T3C,MACAYIAKQR,-0.7,0,4,2\n");
        Assert.Equal(AssayFormat.ProteinGym, AssayReader.Detect(path));
        var a = AssayReader.Read(path, options: new AssayReadOptions { FoldColumn = "fold_modulo_5", Name = "TOY" });
        Assert.Equal("TOY", a.Name);
        Assert.Equal(["K2A", "T3C", "K2A:T3C"], a.Ids());
        Assert.Equal([2, 3, 2], a.Records.Select(r => r.Fold!.Value));
        Assert.Equal("MKTAYIAKQR", a.WildType);
        Assert.All(a.Records, r => Assert.Equal(r.Id, r.Mutant));
        var noFolds = AssayReader.Read(path, AssayFormat.ProteinGym);
        Assert.All(noFolds.Records, r => Assert.Null(r.Fold));
    }

    [Fact]
    public void JoinsFastaAndTargetsInFastaOrder()
    {
        var fa = _tmp.Write("s.fa", ">b second protein\nMKTAY\nIAKQR\n\n>a\r\nMKV\r\n");
        var t = _tmp.Write("t.csv", "name,y,fold\na,1.5,0\nb,-2,1\n");
        var a = AssayReader.Read(fa, AssayFormat.FastaCsv,
            new AssayReadOptions { TargetsPath = t, IdColumn = "name", TargetColumn = "y", FoldColumn = "fold" });
        Assert.Equal(["b", "a"], a.Ids());
        Assert.Equal(["MKTAYIAKQR", "MKV"], a.Sequences());
        Assert.Equal([-2.0, 1.5], a.Targets());
        Assert.Equal([1, 0], a.Records.Select(r => r.Fold!.Value));
        Assert.Equal([1, 5], a.Records.Select(r => r.SourceLine));
        Assert.Null(a.WildType);
        var records = FastaReader.Read(fa);
        Assert.Equal(new FastaRecord("b", "MKTAYIAKQR", 1, "second protein"), records[0]);
        var fromText = FastaReader.Read(new StringReader(">x\nMK\nTJ\n"), "in-memory", alphabet: null);
        Assert.Equal("MKTJ", fromText.Single().Sequence);
        var e = Assert.Throws<InputException>(() => FastaReader.Read(new StringReader(">x\nMK\nTJ\n"), "in-memory"));
        Assert.Equal("in-memory:3: record 'x': letter 'J' at position 4 is not an amino acid (allowed: ACDEFGHIKLMNPQRSTVWYXBUZO)", e.Message);
    }

    [Fact]
    public void DropInvalidInFastaJoinReportsBothSides()
    {
        var fa = _tmp.Write("s.fa", ">a\nMKT\n>b\nMKV\n");
        var t = _tmp.Write("t.csv", "id,target\na,1\nz,3\n");
        var a = AssayReader.Read(fa, options: new AssayReadOptions { TargetsPath = t, DropInvalid = true });
        Assert.Equal(["a"], a.Ids());
        Assert.Equal(2, a.Dropped.Length);
        Assert.Contains(a.Dropped, d => d.Id == "b" && d.File == fa && d.Line == 3 && d.Problem.Contains("no row in the targets file"));
        Assert.Contains(a.Dropped, d => d.Id == "z" && d.File == t && d.Line == 3 && d.Problem.Contains("no sequence in the FASTA"));
    }

    [Fact]
    public void ReadsAGenericCsvWithOptionalMutantColumn()
    {
        var path = _tmp.Write("g.csv", "Name,Seq,Activity,Mut\nx,MATAYIAKQR,1,K2A\ny,MKTAYIAKQW,2,R10W\n");
        var options = new AssayReadOptions { IdColumn = "Name", SequenceColumn = "Seq", TargetColumn = "Activity", MutantColumn = "Mut" };
        Assert.Equal(AssayFormat.Csv, AssayReader.Detect(path, options));
        var a = AssayReader.Read(path, options: options);
        Assert.Equal("MKTAYIAKQR", a.WildType);
        // Column names also match ignoring case.
        var lower = AssayReader.Read(path, AssayFormat.Csv, new AssayReadOptions { IdColumn = "name", SequenceColumn = "seq", TargetColumn = "activity" });
        Assert.Null(lower.WildType);
        Assert.Equal(2, lower.Count);
    }

    [Fact]
    public void DropInvalidDropsAndListsEachRow()
    {
        var path = _tmp.Write("d.csv", ",ID,mutant,target,sequence\n0,v1,K2A,0.5,MATAYIAKQR\n1,v2,T3C,nan,MKCAYIAKQR\n2,v3,Y5C,1,MKTAYIAKQR\n3,v4,T3W,1,MKWAYIAKQR\n");
        var a = AssayReader.Read(path, options: new AssayReadOptions { DropInvalid = true });
        Assert.Equal(["v1", "v4"], a.Ids());
        Assert.Equal([3, 4], a.Dropped.Select(d => d.Line));
        Assert.Equal(["v2", "v3"], a.Dropped.Select(d => d.Id));
        Assert.Contains("target is NaN", a.Dropped[0].Problem);
        Assert.Contains("disagrees", a.Dropped[1].Problem);
        Assert.Equal($"{path}:3: {a.Dropped[0].Problem}", a.Dropped[0].ToString());
        Assert.Contains(a.Notes, n => n.Contains("dropped 2 invalid row(s) of 4"));
    }

    [Fact]
    public void CheckMutantsOffSkipsTheMutantRules()
    {
        var path = _tmp.Write("m.csv", ",ID,mutant,target,sequence\n0,v1,K2A,0.5,MATAYIAKQR\n1,v2,Y5C,1,MKTAYIAKQR\n");
        Assert.Throws<InputException>(() => AssayReader.Read(path));
        var a = AssayReader.Read(path, options: new AssayReadOptions { CheckMutants = false });
        Assert.Equal(2, a.Count);
        Assert.Null(a.WildType);
    }

    [Fact]
    public void OffsetIsNotGuessedFromAFewRows()
    {
        // Every row is shifted by +1, but 3 rows are too few to trust a detected shift.
        var path = _tmp.Write("s.csv", ",ID,mutant,target,sequence\n0,a,K1A,1,MATAYIAKQR\n1,b,T2C,1,MKCAYIAKQR\n2,c,A3W,1,MKTWYIAKQR\n");
        var e = Assert.Throws<InputException>(() => AssayReader.Read(path));
        Assert.Equal(2, e.Line);
        var a = AssayReader.Read(path, options: new AssayReadOptions { MutantOffset = 1 });
        Assert.Equal(1, a.MutantOffset);
        Assert.Equal("MKTAYIAKQR", a.WildType);
    }
}
