namespace PlmKit.Data;

/// <summary>
/// Reads the proteins to embed from a FASTA file or a CSV with <c>id</c> and <c>sequence</c>
/// columns (chosen by the <c>.csv</c> extension; any other columns, such as a study assay's
/// <c>mutant</c> and <c>target</c>, are ignored). Messages name file and line.
/// </summary>
public static class SequenceInput
{
    /// <summary>
    /// Reads <paramref name="path"/> (FASTA, or CSV when it ends in <c>.csv</c>), one record per id in
    /// first-seen order. A CSV id repeated with the same sequence (a variant measured twice, as in the
    /// study's PA_FLU_Sun2015 and BRCA1_HUMAN_* assays, which <c>evaluate</c> reads the same way) is
    /// kept once, so it is embedded and written once.
    /// </summary>
    /// <exception cref="InputException">Missing file, bad header, wrong column count, an id repeated with a different
    /// sequence (both lines named), an empty id, an empty sequence or a letter outside the extended alphabet, no records; in FASTA any repeated id.</exception>
    public static IReadOnlyList<FastaRecord> Read(string path) =>
        path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? ReadCsv(path) : FastaReader.Read(path);

    private static IReadOnlyList<FastaRecord> ReadCsv(string path)
    {
        var table = CsvTable.Load(path);
        int idCol = Array.FindIndex(table.Header, c => c.Trim().Equals("id", StringComparison.OrdinalIgnoreCase));
        int seqCol = Array.FindIndex(table.Header, c => c.Trim().Equals("sequence", StringComparison.OrdinalIgnoreCase));
        if (idCol < 0 || seqCol < 0)
            throw new InputException(path, table.HeaderLine, $"the header needs 'id' and 'sequence' columns (found: {table.DescribeHeader()}).");
        var records = new List<FastaRecord>();
        var first = new Dictionary<string, FastaRecord>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var id = row.Fields[idCol].Trim();
            var sequence = row.Fields[seqCol].Trim();
            if (id.Length == 0) throw new InputException(path, row.Line, "empty id.");
            if (first.TryGetValue(id, out var earlier))
            {
                if (earlier.Sequence != sequence)
                    throw new InputException(path, row.Line, $"duplicate id '{id}' with a different sequence than on line {earlier.Line}.");
                continue;
            }
            // The FASTA reader's letter check, so a bad letter is named with its line in both formats.
            if (Alphabets.Check(sequence, Alphabets.Extended) is { } problem)
                throw new InputException(path, row.Line, $"record '{id}': {problem}");
            var record = new FastaRecord(id, sequence, row.Line);
            first[id] = record;
            records.Add(record);
        }
        return records;
    }
}
