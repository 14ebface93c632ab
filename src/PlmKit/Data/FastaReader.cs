namespace PlmKit.Data;

/// <summary>One FASTA record.</summary>
/// <param name="Id">First word after <c>&gt;</c>.</param>
/// <param name="Sequence">Sequence lines joined, surrounding whitespace removed.</param>
/// <param name="Line">1-based line of the <c>&gt;</c> header.</param>
/// <param name="Description">Rest of the header after the id (may be empty).</param>
public sealed record FastaRecord(string Id, string Sequence, int Line, string Description = "");

/// <summary>
/// Reads FASTA files: <c>&gt;id description</c> headers, sequences over any number of lines,
/// blank lines ignored, CRLF and a UTF-8 BOM accepted. Written by hand: the format is a few
/// lines of logic and no .NET library gives line-numbered errors for it.
/// </summary>
public static class FastaReader
{
    /// <summary>
    /// Reads every record of <paramref name="path"/>, in file order. Letters are checked against
    /// <paramref name="alphabet"/> (null: no letter check).
    /// </summary>
    /// <exception cref="InputException">
    /// Missing or empty file, text before the first header, an empty id, a record without
    /// sequence, a repeated id (both lines named), a letter outside the alphabet (the line it is
    /// on and its position in the sequence).
    /// </exception>
    public static IReadOnlyList<FastaRecord> Read(string path, string? alphabet = Alphabets.Extended)
    {
        if (!File.Exists(path)) throw new InputException(path, null, "file not found");
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        return Read(reader, path, alphabet);
    }

    /// <summary>Reads every record from <paramref name="reader"/>; <paramref name="name"/> is the file name for messages.</summary>
    /// <inheritdoc cref="Read(string, string?)" path="/exception"/>
    public static IReadOnlyList<FastaRecord> Read(TextReader reader, string name, string? alphabet = Alphabets.Extended)
    {
        var path = name;
        var records = new List<FastaRecord>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        string? id = null, description = null;
        int headerLine = 0;
        var sequence = new System.Text.StringBuilder();

        void Finish()
        {
            if (id is null) return;
            if (sequence.Length == 0) throw new InputException(path, headerLine, $"record '{id}' has no sequence");
            records.Add(new FastaRecord(id, sequence.ToString(), headerLine, description!));
        }

        int lineNo = 0;
        while (reader.ReadLine() is { } raw)
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line[0] == '>')
            {
                Finish();
                var header = line[1..].Trim();
                int space = header.IndexOfAny([' ', '\t']);
                id = space < 0 ? header : header[..space];
                description = space < 0 ? "" : header[(space + 1)..].Trim();
                headerLine = lineNo;
                sequence.Clear();
                if (id.Length == 0) throw new InputException(path, lineNo, "empty id: the header needs an id right after '>'");
                if (!firstLine.TryAdd(id, lineNo))
                    throw new InputException(path, lineNo, $"duplicate id '{id}' (first at line {firstLine[id]})");
                continue;
            }
            if (id is null) throw new InputException(path, lineNo, "sequence text before the first '>' header (is this a FASTA file?)");
            if (alphabet is not null && Alphabets.Check(line, alphabet, sequence.Length) is { } problem)
                throw new InputException(path, lineNo, $"record '{id}': {problem}");
            sequence.Append(line);
        }
        Finish();
        if (lineNo == 0 || records.Count == 0) throw new InputException(path, null, "file is empty: no FASTA records");
        return records;
    }
}
