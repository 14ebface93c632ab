using PlmKit.Data;

namespace PlmKit.Tests.Statistics;

public class TidyTableTests
{
    private static TidyTable Parse(string text) => TidyTable.Parse(new StringReader(text), "t.csv");

    [Fact]
    public void ReadsQuotedFieldsWithCommasQuotesAndLineBreaks()
    {
        var t = Parse("name,score\r\n\"a, b\",1.5\r\n\"say \"\"hi\"\"\",2\n\"two\nlines\",3\nlast,4\n");
        Assert.Equal(["name", "score"], t.ColumnNames);
        Assert.Equal(["a, b", "say \"hi\"", "two\nlines", "last"], t.Strings("name"));
        Assert.Equal([1.5, 2, 3, 4], t.Numbers("score"));
        // The quoted line break moves the following row one line further down.
        Assert.Equal([2, 3, 4, 6], Enumerable.Range(0, t.RowCount).Select(t.LineOf));
    }

    [Fact]
    public void ReadsTheStudysPandasTableWithItsUnnamedIndexColumn()
    {
        var t = TidyTable.Read(ReferenceFiles.Result("summary_DMS_esm2_150M_all_methods.csv"));
        Assert.Equal(2800, t.RowCount);
        Assert.Equal("", t.ColumnNames[0]);
        Assert.Equal("esm2_150M", t.Strings("Model")[0]);
        Assert.Equal(0.1026704853070467, t.Numbers("R2_score_test")[0]);
    }

    [Fact]
    public void NonNumberNamesFileLineColumnAndValue()
    {
        var e = Assert.Throws<InputException>(() => Parse("x,y\n1,2\n3,abc\n").Numbers("y"));
        Assert.Equal("t.csv", e.File);
        Assert.Equal(3, e.Line);
        Assert.Contains("'y'", e.Message);
        Assert.Contains("'abc'", e.Message);
    }

    [Fact]
    public void EmptyCellIsAnErrorButNanAndInfAreValues()
    {
        var t = Parse("y\nNaN\ninf\n-Inf\n");
        var v = t.Numbers("y");
        Assert.True(double.IsNaN(v[0]));
        Assert.Equal(double.PositiveInfinity, v[1]);
        Assert.Equal(double.NegativeInfinity, v[2]);
        var e = Assert.Throws<InputException>(() => Parse("x,y\n1,\n").Numbers("y"));
        Assert.Equal(2, e.Line);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void MissingColumnListsTheColumnsThereAre()
    {
        var e = Assert.Throws<InputException>(() => Parse("a,b\n1,2\n").Strings("c"));
        Assert.Equal("t.csv:1: no column 'c' in the header (columns: 'a', 'b')", e.Message);
    }

    [Theory]
    [InlineData("a,b\n1,2\n3\n", 3, "1 fields")]
    [InlineData("a,b\n1,\"2\n", 2, "not closed")]
    [InlineData("a,b\n1,\"2\"x\n", 2, "after a closing quote")]
    [InlineData("a,a\n1,2\n", 1, "appears twice")]
    [InlineData("", 1, "empty")]
    public void MalformedCsvIsReportedWithItsLine(string text, int line, string problem)
    {
        var e = Assert.Throws<InputException>(() => Parse(text));
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void MissingFileIsAnInputError()
    {
        var e = Assert.Throws<InputException>(() => TidyTable.Read("/no/such/file.csv"));
        Assert.Contains("file not found", e.Message);
    }

    [Fact]
    public void WithColumnAndWhereEqualsKeepLines()
    {
        var t = Parse("g,y\na,1\nb,2\na,3\n").WithColumn("y2", [10.0, 20.0, 30.0]).WhereEquals("g", "a");
        Assert.Equal(2, t.RowCount);
        Assert.Equal([10.0, 30.0], t.Numbers("y2"));
        Assert.Equal(4, t.LineOf(1));
    }

    [Fact]
    public void AFileWithABomAndBlankLinesKeepsItsCellsAsWrittenAndItsLines()
    {
        using var tmp = new TempDir();
        var t = TidyTable.Read(tmp.Write("t.csv", "name,score\r\n\r\n a ,1\r\nb, 2\r\n", bom: true));
        Assert.Equal(["name", "score"], t.ColumnNames);
        Assert.Equal([" a ", "b"], t.Strings("name"));   // tidy tables are not trimmed; numbers are
        Assert.Equal([1.0, 2.0], t.Numbers("score"));
        Assert.Equal([3, 4], Enumerable.Range(0, t.RowCount).Select(t.LineOf));
    }

    [Fact]
    public void Numbers_or_null_reads_empty_cells_as_nan_gives_null_for_a_word_and_names_a_missing_column()
    {
        var t = Parse("x,y,z\n1.5,a,\n,2,inf\n");
        var x = t.NumbersOrNull("x")!;
        Assert.Equal(1.5, x[0]);
        Assert.True(double.IsNaN(x[1]));
        Assert.Null(t.NumbersOrNull("y"));
        Assert.Equal(double.PositiveInfinity, t.NumbersOrNull("z")![1]);
        var e = Assert.Throws<InputException>(() => t.NumbersOrNull("w"));
        Assert.Contains("no column 'w'", e.Message);
    }
}
