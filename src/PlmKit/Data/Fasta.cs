namespace PlmKit.Data;

/// <summary>One FASTA record.</summary>
/// <param name="Id">The header's first word (after <c>&gt;</c>, up to the first whitespace).</param>
/// <param name="Sequence">The sequence lines joined, whitespace removed, case kept (validation is the model's job).</param>
/// <param name="Line">1-based line of the header.</param>
public sealed record FastaRecord(string Id, string Sequence, int Line);

/// <summary>
/// A small strict FASTA reader: every record needs a non-empty unique id and a sequence; text
/// before the first header is an error. Messages name the file and line.
/// </summary>
public static class FastaReader
{
    /// <summary>Reads all records of <paramref name="path"/> in file order.</summary>
    /// <exception cref="InputException">Missing file, no records, text before the first header, an empty id, a duplicate id or a record without sequence.</exception>
    public static IReadOnlyList<FastaRecord> Read(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, null, "file not found.");
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Reads all records from <paramref name="reader"/>; <paramref name="name"/> is used in messages.</summary>
    /// <inheritdoc cref="Read(string)" path="/exception"/>
    public static IReadOnlyList<FastaRecord> Read(TextReader reader, string name)
    {
        var records = new List<FastaRecord>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string? id = null;
        int headerLine = 0;
        var sequence = new System.Text.StringBuilder();
        int lineNumber = 0;

        void Flush()
        {
            if (id is null) return;
            if (sequence.Length == 0) throw new InputException(name, headerLine, $"record '{id}' has no sequence.");
            records.Add(new FastaRecord(id, sequence.ToString(), headerLine));
            sequence.Clear();
        }

        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.StartsWith('>'))
            {
                Flush();
                var header = line[1..].Trim();
                id = header.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                if (string.IsNullOrEmpty(id)) throw new InputException(name, lineNumber, "header without an id ('>' followed by nothing).");
                if (seen.TryGetValue(id, out var first)) throw new InputException(name, lineNumber, $"duplicate id '{id}' (first at line {first}).");
                seen[id] = lineNumber;
                headerLine = lineNumber;
                continue;
            }
            var text = line.Trim();
            if (text.Length == 0) continue;
            if (id is null) throw new InputException(name, lineNumber, "sequence text before the first '>' header; is this a FASTA file?");
            foreach (char c in text)
                if (!char.IsWhiteSpace(c)) sequence.Append(c);
        }
        Flush();
        if (records.Count == 0) throw new InputException(name, null, "no FASTA records (no line starts with '>').");
        return records;
    }
}
