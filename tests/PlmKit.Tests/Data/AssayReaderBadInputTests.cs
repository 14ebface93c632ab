using PlmKit.Data;

namespace PlmKit.Tests.Data;

/// <summary>
/// Catalogue of bad inputs: each must fail with an <see cref="InputException"/> that names the
/// file, the line (where there is one) and the problem.
/// </summary>
public sealed class AssayReaderBadInputTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private const string Wt = "MKTAYIAKQR"; // 10 residues
    private const string SwatHeader = ",ID,mutant,target,sequence\n";

    /// <summary>Two good rows (lines 2 and 3) so that the wild type is well defined.</summary>
    private const string GoodRows = "0,v1,K2A,0.5,MATAYIAKQR\n1,v2,T3C,0.1,MKCAYIAKQR\n";

    private static InputException Fails(string path, int? line, string problem, AssayFormat format = AssayFormat.Auto,
        AssayReadOptions? options = null, string? inFile = null)
    {
        var e = Assert.Throws<InputException>(() => AssayReader.Read(path, format, options));
        AssertLocated(e, inFile ?? path, line, problem);
        return e;
    }

    internal static void AssertLocated(InputException e, string path, int? line, string problem)
    {
        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Problem);
        Assert.StartsWith(line is null ? $"{path}: " : $"{path}:{line}: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private string Swat(string rows) => _tmp.Write("assay.csv", SwatHeader + rows);

    [Fact] public void EmptyFile() => Fails(_tmp.Write("e.csv", ""), null, "file is empty");

    [Fact] public void BlankLinesOnly() => Fails(_tmp.Write("e.csv", "\n\n  \n"), null, "file is empty");

    [Fact] public void HeaderOnly() => Fails(Swat(""), 1, "header only: no data rows");

    [Fact] public void MissingFile() => Fails(_tmp.Sub("nope.csv"), null, "file not found");

    [Fact]
    public void MissingColumnListsWhatIsThere()
    {
        var path = _tmp.Write("c.csv", "id,seq,target\na,MKT,1\n");
        Fails(path, 1, "no sequence column 'sequence'; the header has: id, seq, target", AssayFormat.Csv);
    }

    [Fact]
    public void UnknownHeaderListsWhatIsThere() =>
        Fails(_tmp.Write("c.csv", "name,aa,y\na,MKT,1\n"), 1, "cannot tell the format from the header (name, aa, y)");

    [Fact] public void BadLetterNamedWithPosition() => Fails(Swat(GoodRows + "2,v3,K2A,0.2,MATJYIAKQR\n"), 4, "letter 'J' at position 4 is not an amino acid");

    [Fact] public void GapIsABadLetter() => Fails(Swat(GoodRows + "2,v3,K2A,0.2,MA-AYIAKQR\n"), 4, "letter '-' at position 3");

    [Fact] public void LowerCase() => Fails(Swat(GoodRows + "2,v3,K2A,0.2,MaTAYIAKQR\n"), 4, "lower-case letter 'a' at position 2");

    [Fact] public void EmptySequence() => Fails(Swat(GoodRows + "2,v3,,0.2,\n"), 4, "empty sequence");

    [Fact] public void EmptyId() => Fails(Swat(GoodRows + "2,,K2A,0.2,MATAYIAKQR\n"), 4, "empty id");

    [Fact]
    public void DuplicateIdWithAnotherSequenceNamesBothLines() =>
        Fails(Swat(GoodRows + "2,v1,K2C,0.2,MCTAYIAKQR\n"), 4, "duplicate id 'v1' with a different sequence than on line 2");

    [Fact]
    public void DuplicateIdRejectedByPolicy() =>
        Fails(Swat(GoodRows + "2,v1,K2A,0.2,MATAYIAKQR\n"), 4, "duplicate id 'v1' (first at line 2)",
            options: new AssayReadOptions { DuplicateIds = DuplicateIdPolicy.Error });

    [Fact] public void MissingTarget() => Fails(Swat(GoodRows + "2,v3,K2C,,MCTAYIAKQR\n"), 4, "id 'v3': target is missing");

    [Fact] public void NaNTarget() => Fails(Swat(GoodRows + "2,v3,K2C,NaN,MCTAYIAKQR\n"), 4, "target is NaN");

    [Fact] public void InfiniteTarget() => Fails(Swat(GoodRows + "2,v3,K2C,-inf,MCTAYIAKQR\n"), 4, "target '-inf' is infinite");

    [Fact] public void NonNumericTarget() => Fails(Swat(GoodRows + "2,v3,K2C,high,MCTAYIAKQR\n"), 4, "target 'high' is not a number");

    [Fact] public void DecimalCommaIsNotANumber() => Fails(Swat(GoodRows + "2,v3,K2C,\"0,5\",MCTAYIAKQR\n"), 4, "target '0,5' is not a number");

    [Fact]
    public void MutantDisagreesWithSequence() =>
        Fails(Swat(GoodRows + "2,v3,Y5C,0.2,MKTAYIAKQR\n"), 4, "mutant 'Y5C' disagrees with its sequence: Y5C needs 'C' at position 5, the sequence has 'Y'");

    [Fact]
    public void MultiMutantDisagreesInItsSecondSubstitution() =>
        Fails(Swat(GoodRows + "2,v3,K2A:I6W,0.2,MATAYIAKQR\n"), 4, "I6W needs 'W' at position 6, the sequence has 'I'");

    [Fact]
    public void MutantBeyondTheSequence() =>
        Fails(Swat(GoodRows + "2,v3,K2A:R24C,0.2,MATAYIAKQR\n"), 4, "position 24 of R24C is beyond the sequence (length 10)");

    [Fact] public void MutantThatIsNotASubstitution() => Fails(Swat(GoodRows + "2,v3,K2,0.2,MATAYIAKQR\n"), 4, "'K2' is not a substitution like A24C");

    [Fact]
    public void MutantNamingAPositionTwice() => Fails(Swat(GoodRows + "2,v3,K2A:K2C,0.2,MCTAYIAKQR\n"), 4, "names position 2 twice");

    [Fact]
    public void MutantWithAnotherWildTypeLetter() =>
        Fails(Swat(GoodRows + "2,v3,R2A,0.2,MATAYIAKQR\n3,v4,T3W,0.2,MKWAYIAKQR\n"), 4,
            "its mutant 'R2A' says the wild type has 'R' at position 2; the wild type of the other variants has 'K' there (e.g. line 2)");

    [Fact]
    public void SequenceChangedWhereTheMutantSaysNothing() =>
        Fails(Swat(GoodRows + "2,v3,K2A,0.2,MATAYIAKQW\n3,v4,T3W,0.2,MKWAYIAKQR\n"), 4,
            "its sequence has 'W' at position 10, which its mutant 'K2A' does not name; the wild type of the other variants has 'R' there");

    [Fact]
    public void SequenceOfAnotherLength() =>
        Fails(Swat(GoodRows + "2,v3,K2A,0.2,MATAYIAKQRG\n"), 4, "sequence length 11 differs from the other variants' 10 (e.g. line 2)");

    [Fact] public void RowWithTooFewFields() => Fails(Swat(GoodRows + "2,v3,K2A,0.2\n"), 4, "row has 4 fields, the header has 5");

    [Fact] public void UnclosedQuote() => Fails(Swat(GoodRows + "2,\"v3,K2A,0.2,MATAYIAKQR\n"), 4, "malformed CSV");

    [Fact]
    public void FoldThatIsNotAnInteger()
    {
        var path = _tmp.Write("pg.csv", "mutant,mutated_sequence,DMS_score,fold_random_5\nK2A,MATAYIAKQR,0.5,1\nT3C,MKCAYIAKQR,0.1,x\n");
        Fails(path, 3, "fold 'x' in column 'fold_random_5' is not an integer", options: new AssayReadOptions { FoldColumn = "fold_random_5" });
    }

    [Fact]
    public void MissingFoldColumn()
    {
        var path = _tmp.Write("pg.csv", "mutant,mutated_sequence,DMS_score\nK2A,MATAYIAKQR,0.5\n");
        Fails(path, 1, "no fold column 'fold_modulo_5'; the header has: mutant, mutated_sequence, DMS_score",
            options: new AssayReadOptions { FoldColumn = "fold_modulo_5" });
    }

    [Fact]
    public void MessageCountsFurtherProblems()
    {
        var e = Fails(Swat(GoodRows + "2,v3,K2A,x,MATAYIAKQR\n3,v4,K2A,,MATAYIAKQR\n"), 4, "target 'x' is not a number");
        Assert.Contains("1 more invalid row(s)", e.Problem);
    }

    [Fact]
    public void AllRowsInvalidEvenWhenDropping() =>
        Fails(Swat("0,v1,K2A,x,MATAYIAKQR\n"), null, "no valid rows: all 1 were invalid (first: line 2: id 'v1': target 'x' is not a number)",
            options: new AssayReadOptions { DropInvalid = true });

    // FASTA + targets

    private string Targets(string text) => _tmp.Write("targets.csv", text);

    [Fact]
    public void FastaIdMissingFromTargetsListsThem()
    {
        var fa = _tmp.Write("s.fasta", ">a\nMKT\n>b\nMKV\n>c\nMKW\n");
        var t = Targets("id,target\na,1\n");
        Fails(fa, null, "2 FASTA id(s) of " + fa + " have no target here: b (line 3), c (line 5)", options: new AssayReadOptions { TargetsPath = t }, inFile: t);
    }

    [Fact]
    public void TargetIdMissingFromFastaListsThem()
    {
        var fa = _tmp.Write("s.fasta", ">a\nMKT\n");
        var t = Targets("id,target\na,1\nzz,2\n");
        Fails(fa, null, "1 id(s) of " + t + " are not in this FASTA: zz (line 3)", options: new AssayReadOptions { TargetsPath = t });
    }

    [Fact]
    public void TargetProblemNamesTheTargetsFile()
    {
        var fa = _tmp.Write("s.fasta", ">a\nMKT\n>b\nMKV\n");
        var t = Targets("id,target\na,1\nb,nan\n");
        Fails(fa, 3, "id 'b': target is NaN", options: new AssayReadOptions { TargetsPath = t }, inFile: t);
    }

    [Fact]
    public void FastaWithoutTargetsIsAConfigurationError()
    {
        var fa = _tmp.Write("s.fasta", ">a\nMKT\n");
        var e = Assert.Throws<ConfigurationException>(() => AssayReader.Read(fa));
        Assert.Contains("TargetsPath", e.Message);
    }

    [Fact]
    public void FastaBadLetterOnItsOwnLine()
    {
        var fa = _tmp.Write("s.fasta", ">a desc\nMKTAY\nMKJ\n");
        var e = Assert.Throws<InputException>(() => FastaReader.Read(fa));
        AssertLocated(e, fa, 3, "record 'a': letter 'J' at position 8 is not an amino acid");
    }

    [Fact]
    public void FastaDuplicateIdNamesBothLines()
    {
        var fa = _tmp.Write("s.fasta", ">a\nMKT\n>b\nMKT\n>a second\nMKT\n");
        AssertLocated(Assert.Throws<InputException>(() => FastaReader.Read(fa)), fa, 5, "duplicate id 'a' (first at line 1)");
    }

    [Fact]
    public void FastaTextBeforeHeader()
    {
        var fa = _tmp.Write("s.fasta", "MKT\n>a\nMKT\n");
        AssertLocated(Assert.Throws<InputException>(() => FastaReader.Read(fa)), fa, 1, "sequence text before the first '>' header");
    }

    [Fact]
    public void FastaEmptyId()
    {
        var fa = _tmp.Write("s.fasta", ">a\nMKT\n>  \nMKT\n");
        AssertLocated(Assert.Throws<InputException>(() => FastaReader.Read(fa)), fa, 3, "empty id");
    }

    [Fact]
    public void FastaRecordWithoutSequence()
    {
        var fa = _tmp.Write("s.fasta", ">a\n>b\nMKT\n");
        AssertLocated(Assert.Throws<InputException>(() => FastaReader.Read(fa)), fa, 1, "record 'a' has no sequence");
    }

    [Fact]
    public void FastaEmpty()
    {
        var fa = _tmp.Write("s.fasta", "\n\n");
        AssertLocated(Assert.Throws<InputException>(() => FastaReader.Read(fa)), fa, null, "no FASTA records");
    }

    [Fact]
    public void FastaStopCodonIsABadLetter()
    {
        var fa = _tmp.Write("s.fasta", ">a\nMKT*\n");
        AssertLocated(Assert.Throws<InputException>(() => FastaReader.Read(fa)), fa, 2, "letter '*' at position 4");
    }
}
