namespace PlmKit.Data;

/// <summary>
/// Reads the proteins to embed from a FASTA file or a CSV with <c>id</c> and <c>sequence</c>
/// columns (chosen by the <c>.csv</c> extension). Ids must be unique; messages name file and line.
/// </summary>
public static class SequenceInput
{
    /// <summary>Reads <paramref name="path"/> (FASTA, or CSV when it ends in <c>.csv</c>).</summary>
    /// <exception cref="InputException">Missing file, bad header, wrong column count, duplicate or empty id, an empty sequence or a letter outside the extended alphabet, no records.</exception>
    public static IReadOnlyList<FastaRecord> Read(string path) =>
        path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? ReadCsv(path) : FastaReader.Read(path);

    // Minimal CSV: comma-separated, no quoting (ids and sequences never need it). A quoted field
    // is refused rather than misread.
    private static IReadOnlyList<FastaRecord> ReadCsv(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, null, "file not found.");
        var records = new List<FastaRecord>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()?.TrimStart('\uFEFF');
        if (header is null) throw new InputException(path, null, "empty file (expected a header with id and sequence columns).");
        var columns = header.Split(',').Select(c => c.Trim()).ToList();
        int idCol = columns.FindIndex(c => c.Equals("id", StringComparison.OrdinalIgnoreCase));
        int seqCol = columns.FindIndex(c => c.Equals("sequence", StringComparison.OrdinalIgnoreCase));
        if (idCol < 0 || seqCol < 0)
            throw new InputException(path, 1, $"the header needs 'id' and 'sequence' columns (found: {header}).");
        int lineNumber = 1;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            if (line.Contains('"')) throw new InputException(path, lineNumber, "quoted CSV fields are not supported; ids and sequences must not contain commas or quotes.");
            var fields = line.Split(',');
            if (fields.Length != columns.Count)
                throw new InputException(path, lineNumber, $"{fields.Length} fields, the header has {columns.Count}.");
            var id = fields[idCol].Trim();
            if (id.Length == 0) throw new InputException(path, lineNumber, "empty id.");
            if (seen.TryGetValue(id, out var first)) throw new InputException(path, lineNumber, $"duplicate id '{id}' (first at line {first}).");
            seen[id] = lineNumber;
            var sequence = fields[seqCol].Trim();
            // The FASTA reader's letter check, so a bad letter is named with its line in both formats.
            if (Alphabets.Check(sequence, Alphabets.Extended) is { } problem)
                throw new InputException(path, lineNumber, $"record '{id}': {problem}");
            records.Add(new FastaRecord(id, sequence, lineNumber));
        }
        if (records.Count == 0) throw new InputException(path, null, "no data rows.");
        return records;
    }
}
