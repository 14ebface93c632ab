using PlmKit.Data;

namespace PlmKit.Tests.Models;

public class FastaReaderTests
{
    private static IReadOnlyList<FastaRecord> Read(string text) => FastaReader.Read(new StringReader(text), "in.fasta");

    [Fact]
    public void ReadsMultiLineRecordsWithDescriptionsAndCrlf()
    {
        var records = Read(">sp|P1|X description here\r\nMKT\r\nAY \r\n\r\n>P2\nmk\n");
        Assert.Equal([new FastaRecord("sp|P1|X", "MKTAY", 1), new FastaRecord("P2", "mk", 5)], records);
    }

    [Fact]
    public void GoldenFastaHasTwelveRecords()
    {
        var records = FastaReader.Read(Golden.Fasta);
        Assert.Equal(12, records.Count);
        Assert.Equal(1863, records.Single(r => r.Id == "BRCA1_HUMAN_RING").Sequence.Length);
    }

    [Theory]
    [InlineData("", "in.fasta: no FASTA records")]
    [InlineData(">\nMKT\n", "in.fasta:1: header without an id")]
    [InlineData("\n\nMKT\n", "in.fasta:3: sequence text before the first '>' header")]
    [InlineData(">a\nMKT\n>b\n", "in.fasta:3: record 'b' has no sequence")]
    public void ErrorsNameFileAndLine(string text, string message) =>
        Assert.Equal(message, Assert.Throws<InputException>(() => Read(text)).Message[..message.Length]);
}
