using System.Collections.Immutable;
using System.Globalization;

namespace PlmKit.Data;

/// <summary>
/// Reads an assay (proteins + measured targets) from the study's DMS CSV, a ProteinGym CSV,
/// FASTA + targets CSV or a generic CSV, and validates every row: letters, ids, targets,
/// mutant strings against their sequences and one common wild type. Problems become
/// <see cref="InputException"/>s naming file, line and problem; no row is ever dropped unless
/// <see cref="AssayReadOptions.DropInvalid"/> asks for it, and then <see cref="Assay.Dropped"/>
/// lists each one.
/// </summary>
public static class AssayReader
{
    /// <summary>Fewest mutant rows for which a numbering offset is detected automatically.</summary>
    public const int MinRowsForOffsetDetection = 10;

    /// <summary>
    /// Reads <paramref name="path"/> as <paramref name="format"/> (detected from the file for
    /// <see cref="AssayFormat.Auto"/>). For <see cref="AssayFormat.FastaCsv"/> the targets CSV
    /// is <see cref="AssayReadOptions.TargetsPath"/>.
    /// </summary>
    /// <returns>The assay, records in file order, targets finite.</returns>
    /// <exception cref="InputException">Any problem of the file or of a row (see the class summary).</exception>
    public static Assay Read(string path, AssayFormat format = AssayFormat.Auto, AssayReadOptions? options = null)
    {
        options ??= new AssayReadOptions();
        if (!File.Exists(path)) throw new InputException(path, null, "file not found");
        // Auto parses a CSV once: the table both decides the format and gives the rows.
        CsvTable? table = null;
        if (format == AssayFormat.Auto)
        {
            if (StartsLikeFasta(path)) format = AssayFormat.FastaCsv;
            else format = DetectFromHeader(table = CsvTable.Load(path), options);
        }
        var name = options.Name ?? System.IO.Path.GetFileNameWithoutExtension(path);
        CsvTable Table() => table ??= CsvTable.Load(path);
        var rows = format switch
        {
            AssayFormat.Swat => FromCsv(Table(), "ID", "sequence", "target", "mutant", FoldColumnOf(Table(), options)),
            AssayFormat.ProteinGym => FromCsv(Table(), "mutant", "mutated_sequence", "DMS_score", "mutant", FoldColumnOf(Table(), options)),
            AssayFormat.Csv => FromCsv(Table(), options.IdColumn, options.SequenceColumn, options.TargetColumn, options.MutantColumn, FoldColumnOf(Table(), options)),
            AssayFormat.FastaCsv => FromFasta(path, options),
            _ => throw new ConfigurationException($"unknown assay format {format}"),
        };
        var foldColumn = !options.FoldColumnIfPresent ? options.FoldColumn
            : format == AssayFormat.FastaCsv ? (rows.Any(r => r.Fold is not null) ? options.FoldColumn : null)
            : FoldColumnOf(Table(), options);
        return Validate(name, path, rows, options) with { FoldColumn = foldColumn };
    }

    /// <summary>The fold column to read from <paramref name="t"/>: the option's, or null when it is optional and absent.</summary>
    private static string? FoldColumnOf(CsvTable t, AssayReadOptions o) =>
        o.FoldColumn is { } c && (!o.FoldColumnIfPresent || t.Find(c) >= 0) ? c : null;

    /// <summary>The format <see cref="AssayFormat.Auto"/> resolves to for <paramref name="path"/>.</summary>
    /// <exception cref="InputException">Empty file, or a header that fits no format (the message lists it).</exception>
    public static AssayFormat Detect(string path, AssayReadOptions? options = null)
    {
        if (!File.Exists(path)) throw new InputException(path, null, "file not found");
        return StartsLikeFasta(path) ? AssayFormat.FastaCsv : DetectFromHeader(CsvTable.Load(path), options ?? new AssayReadOptions());
    }

    /// <summary>True when the first non-blank line starts with '&gt;'.</summary>
    /// <exception cref="InputException">The file is empty or blank.</exception>
    private static bool StartsLikeFasta(string path)
    {
        string? first;
        using (var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true))
        {
            do first = reader.ReadLine(); while (first is not null && first.Trim().Length == 0);
        }
        if (first is null) throw new InputException(path, null, "file is empty");
        return first.TrimStart().StartsWith('>');
    }

    private static AssayFormat DetectFromHeader(CsvTable table, AssayReadOptions options)
    {
        bool Has(string c) => table.Find(c) >= 0;
        // The study's files start with an unnamed index column; files without it read the same way.
        if (Has("ID") && Has("mutant") && Has("target") && Has("sequence")) return AssayFormat.Swat;
        if (Has("mutant") && Has("mutated_sequence") && Has("DMS_score")) return AssayFormat.ProteinGym;
        if (Has(options.IdColumn) && Has(options.SequenceColumn) && Has(options.TargetColumn)) return AssayFormat.Csv;
        throw new InputException(table.Path, table.HeaderLine,
            $"cannot tell the format from the header ({table.DescribeHeader()}): expected the study's ',ID,mutant,target,sequence', "
            + $"ProteinGym's 'mutant,mutated_sequence,DMS_score', columns '{options.IdColumn},{options.SequenceColumn},{options.TargetColumn}', or a FASTA file");
    }

    /// <summary>A row before validation; target and fold still text.</summary>
    /// <remarks>Sequence or Target is null only for a FASTA + targets row missing on one side.</remarks>
    private sealed record Raw(string File, int Line, string Id, string? Sequence, string? Target, string? Mutant, string? Fold,
        string TargetFile, int TargetLine)
    {
        public string Seq => Sequence!;
    }

    private static List<Raw> FromCsv(CsvTable t, string idCol, string seqCol, string targetCol, string? mutantCol, string? foldCol)
    {
        int id = t.Require(idCol, "id"), seq = t.Require(seqCol, "sequence"), target = t.Require(targetCol, "target");
        int mutant = mutantCol is null ? -1 : t.Require(mutantCol, "mutant");
        int fold = foldCol is null ? -1 : t.Require(foldCol, "fold");
        return t.Rows.Select(r => new Raw(t.Path, r.Line, r.Fields[id], r.Fields[seq], r.Fields[target],
            mutant < 0 ? null : r.Fields[mutant], fold < 0 ? null : r.Fields[fold], t.Path, r.Line)).ToList();
    }

    private static List<Raw> FromFasta(string path, AssayReadOptions o)
    {
        if (o.TargetsPath is null)
            throw new ConfigurationException($"{path} is FASTA: it needs a targets CSV (id,target); set AssayReadOptions.TargetsPath (plmkit: --targets FILE)");
        var fasta = FastaReader.Read(path, alphabet: null);
        var t = CsvTable.Load(o.TargetsPath);
        int idCol = t.Require(o.IdColumn, "id"), targetCol = t.Require(o.TargetColumn, "target");
        int foldCol = FoldColumnOf(t, o) is { } fc ? t.Require(fc, "fold") : -1;
        var targets = new Dictionary<string, CsvRow>(StringComparer.Ordinal);
        foreach (var r in t.Rows)
        {
            var key = r.Fields[idCol];
            if (key.Length == 0) throw new InputException(t.Path, r.Line, "empty id");
            if (!targets.TryAdd(key, r))
                throw new InputException(t.Path, r.Line, $"duplicate id '{key}' (first at line {targets[key].Line})");
        }
        var inFasta = fasta.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var notInFasta = t.Rows.Where(r => !inFasta.Contains(r.Fields[idCol])).ToList();
        var notInTargets = fasta.Where(f => !targets.ContainsKey(f.Id)).ToList();
        if (!o.DropInvalid)
        {
            if (notInTargets.Count > 0)
                throw new InputException(o.TargetsPath, null,
                    $"{notInTargets.Count} FASTA id(s) of {path} have no target here: {List(notInTargets.Select(f => $"{f.Id} (line {f.Line})"))}");
            if (notInFasta.Count > 0)
                throw new InputException(path, null,
                    $"{notInFasta.Count} id(s) of {o.TargetsPath} are not in this FASTA: {List(notInFasta.Select(r => $"{r.Fields[idCol]} (line {r.Line})"))}");
        }
        // With DropInvalid the unmatched FASTA records become rows with a missing target (reported
        // as dropped); unmatched target rows have no sequence to become a record and are reported too.
        var rows = fasta.Select(f => targets.TryGetValue(f.Id, out var r)
            ? new Raw(path, f.Line, f.Id, f.Sequence, r.Fields[targetCol], null, foldCol < 0 ? null : r.Fields[foldCol], t.Path, r.Line)
            : new Raw(path, f.Line, f.Id, f.Sequence, null, null, null, t.Path, 0)).ToList();
        foreach (var r in notInFasta)
            rows.Add(new Raw(t.Path, r.Line, r.Fields[idCol], null, r.Fields[targetCol], null, null, t.Path, r.Line));
        return rows;
    }

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        return all.Count <= 20 ? string.Join(", ", all) : string.Join(", ", all.Take(20)) + $", ... ({all.Count - 20} more)";
    }

    private sealed record Problem(string File, int Line, string Id, string Text);

    private static Assay Validate(string name, string path, List<Raw> rows, AssayReadOptions o)
    {
        var problems = new Problem?[rows.Count];
        var targets = new double[rows.Count];
        var folds = new int?[rows.Count];
        for (int i = 0; i < rows.Count; i++)
            problems[i] = CheckRow(rows[i], o, out targets[i], out folds[i]);
        CheckDuplicates(rows, problems, o);

        int offset = 0;
        string? wildType = null;
        var notes = ImmutableArray.CreateBuilder<string>();
        if (o.CheckMutants && rows.Any(r => r.Mutant is not null))
            (offset, wildType) = CheckMutants(rows, problems, o, notes);

        var bad = Enumerable.Range(0, rows.Count).Where(i => problems[i] is not null).Select(i => problems[i]!)
            .OrderBy(p => p.File == path ? 0 : 1).ThenBy(p => p.Line).ToList();
        if (bad.Count > 0 && !o.DropInvalid)
        {
            var first = bad[0];
            var more = bad.Count > 1
                ? $" ({bad.Count - 1} more invalid row(s); DropInvalid / --drop-invalid leaves them out and lists them)"
                : "";
            throw new InputException(first.File, first.Line, first.Text + more);
        }
        var records = ImmutableArray.CreateBuilder<ProteinRecord>(rows.Count - bad.Count);
        for (int i = 0; i < rows.Count; i++)
            if (problems[i] is null)
                records.Add(new ProteinRecord(rows[i].Id, rows[i].Seq, targets[i], rows[i].Mutant, folds[i], rows[i].Line));
        if (records.Count == 0)
            throw new InputException(path, null, $"no valid rows: all {rows.Count} were invalid (first: line {bad[0].Line}: {bad[0].Text})");
        var repeated = records.GroupBy(r => r.Id, StringComparer.Ordinal).Count(g => g.Count() > 1);
        if (repeated > 0)
            notes.Add($"{repeated} id(s) occur more than once with the same sequence (replicate measurements); all rows are kept");
        if (bad.Count > 0)
            notes.Add($"dropped {bad.Count} invalid row(s) of {rows.Count} (see Dropped)");
        return new Assay(name, path, records.MoveToImmutable())
        {
            Dropped = bad.Select(p => new DroppedRecord(p.Line, p.Id, p.Text, p.File)).ToImmutableArray(),
            WildType = wildType,
            MutantOffset = offset,
            Notes = notes.ToImmutable(),
        };
    }

    private static Problem? CheckRow(Raw r, AssayReadOptions o, out double target, out int? fold)
    {
        target = double.NaN;
        fold = null;
        Problem P(string text) => new(r.File, r.Line, r.Id, text);
        if (r.Sequence is null) return P($"id '{r.Id}' has no sequence in the FASTA file");
        if (r.Target is null) return P($"id '{r.Id}' has no row in the targets file");
        if (r.Id.Length == 0) return P("empty id");
        if (Alphabets.Check(r.Sequence, o.Alphabet) is { } letters) return P(letters);
        var tp = new Problem(r.TargetFile, r.TargetLine, r.Id, "");
        if (ParseTarget(r.Target) is { } targetProblem) return tp with { Text = $"id '{r.Id}': {targetProblem}" };
        target = double.Parse(r.Target, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (r.Fold is not null)
        {
            if (!int.TryParse(r.Fold, NumberStyles.Integer, CultureInfo.InvariantCulture, out var f))
                return tp with { Text = $"fold '{r.Fold}' in column '{o.FoldColumn}' is not an integer" };
            fold = f;
        }
        return null;
    }

    /// <summary>Null when <paramref name="text"/> is a finite number, else what is wrong with it.</summary>
    private static string? ParseTarget(string text)
    {
        if (text.Length == 0) return "target is missing";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
        {
            var lower = text.ToLowerInvariant().TrimStart('+', '-');
            return lower is "inf" or "infinity"
                ? $"target '{text}' is infinite"
                : $"target '{text}' is not a number";
        }
        if (double.IsNaN(v)) return $"target is NaN ('{text}')";
        if (double.IsInfinity(v)) return $"target '{text}' is infinite";
        return null;
    }

    private static void CheckDuplicates(List<Raw> rows, Problem?[] problems, AssayReadOptions o)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < rows.Count; i++)
        {
            if (problems[i] is not null) continue;
            var r = rows[i];
            if (!first.TryAdd(r.Id, i))
            {
                var f = rows[first[r.Id]];
                if (o.DuplicateIds == DuplicateIdPolicy.Error)
                    problems[i] = new(r.File, r.Line, r.Id, $"duplicate id '{r.Id}' (first at line {f.Line})");
                else if (f.Sequence != r.Sequence)
                    problems[i] = new(r.File, r.Line, r.Id, $"duplicate id '{r.Id}' with a different sequence than on line {f.Line}");
            }
        }
    }

    private static (int Offset, string? WildType) CheckMutants(List<Raw> rows, Problem?[] problems, AssayReadOptions o,
        ImmutableArray<string>.Builder notes)
    {
        var subs = new ImmutableArray<Substitution>[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            if (problems[i] is not null) continue;
            var r = rows[i];
            if (r.Mutant is null) { subs[i] = ImmutableArray<Substitution>.Empty; continue; }
            if (!Mutations.TryParse(r.Mutant, out subs[i], out var parseProblem))
                problems[i] = new(r.File, r.Line, r.Id, parseProblem!);
        }
        var live = Enumerable.Range(0, rows.Count).Where(i => problems[i] is null).ToList();
        int offset = o.MutantOffset ?? DetectOffset(rows, subs, live, notes);
        foreach (int i in live)
            if (Mutations.Disagreement(rows[i].Seq, rows[i].Mutant ?? "", subs[i], offset) is { } d)
                problems[i] = new(rows[i].File, rows[i].Line, rows[i].Id, d);
        live = live.Where(i => problems[i] is null).ToList();
        if (live.Count == 0) return (offset, null);
        return (offset, CommonWildType(rows, subs, live, problems, offset));
    }

    /// <summary>
    /// Detects a constant shift between mutant numbering and sequence positions. Only when
    /// offset 0 explains fewer than half of the mutant rows does it look further, and it takes a
    /// shift only when that explains at least 90 % of them: a few bad rows never move the
    /// numbering, and a wrong numbering is not silently reported row by row.
    /// </summary>
    private static int DetectOffset(List<Raw> rows, ImmutableArray<Substitution>[] subs, List<int> live,
        ImmutableArray<string>.Builder notes)
    {
        var mutated = live.Where(i => subs[i].Length > 0).ToList();
        if (mutated.Count < MinRowsForOffsetDetection) return 0;
        int Explained(int k) => mutated.Count(i => Mutations.Disagreement(rows[i].Seq, "", subs[i], k) is null);
        int atZero = Explained(0);
        if (2 * atZero >= mutated.Count) return 0;
        // Candidate shifts: those that make the first unexplained row agree.
        int probe = mutated.First(i => Mutations.Disagreement(rows[i].Seq, "", subs[i], 0) is not null);
        var s0 = subs[probe][0];
        var seq = rows[probe].Seq;
        int best = 0, bestCount = atZero;
        for (int p = 1; p <= seq.Length; p++)
        {
            int k = p - s0.Position;
            if (k == 0 || seq[p - 1] != s0.To || Mutations.Disagreement(seq, "", subs[probe], k) is not null) continue;
            int n = Explained(k);
            if (n > bestCount || (n == bestCount && Math.Abs(k) < Math.Abs(best))) (best, bestCount) = (k, n);
        }
        if (best == 0 || bestCount * 10 < mutated.Count * 9) return 0;
        notes.Add($"mutant positions are shifted by {best:+0;-0} against the sequences (detected: {bestCount} of {mutated.Count} mutants agree at that shift, {atZero} at none)");
        return best;
    }

    /// <summary>
    /// Rebuilds each row's wild type and checks they are all one sequence: per position the
    /// majority letter wins, and every row that disagrees with it is a problem naming a line
    /// that has the majority letter.
    /// </summary>
    private static string CommonWildType(List<Raw> rows, ImmutableArray<Substitution>[] subs, List<int> live,
        Problem?[] problems, int offset)
    {
        var lengthGroups = live.GroupBy(i => rows[i].Seq.Length).OrderByDescending(g => g.Count()).ThenBy(g => g.First()).ToList();
        int length = lengthGroups[0].Key;
        int lengthExample = rows[lengthGroups[0].First()].Line;
        foreach (var g in lengthGroups.Skip(1))
            foreach (int i in g)
                problems[i] = new(rows[i].File, rows[i].Line, rows[i].Id,
                    $"sequence length {rows[i].Seq.Length} differs from the other variants' {length} (e.g. line {lengthExample}): mutants must be substitutions of one wild type");
        live = lengthGroups[0].ToList();

        // Letter counts per position, indexed by ASCII code (alphabets are ASCII).
        const int Letters = 128;
        var counts = new int[length * Letters];
        var firstLine = new int[length * Letters];
        var wt = new char[length];
        foreach (int i in live)
        {
            FillWildType(rows[i].Seq, subs[i], offset, wt);
            for (int p = 0; p < length; p++)
            {
                int c = p * Letters + (wt[p] & 127);
                if (counts[c]++ == 0) firstLine[c] = rows[i].Line;
            }
        }
        var common = new char[length];
        for (int p = 0; p < length; p++)
        {
            int best = 0;
            for (int l = 1; l < Letters; l++)
            {
                int a = p * Letters + l, b = p * Letters + best;
                if (counts[a] > counts[b] || (counts[a] == counts[b] && counts[a] > 0 && firstLine[a] < firstLine[b])) best = l;
            }
            common[p] = (char)best;
        }
        foreach (int i in live)
        {
            FillWildType(rows[i].Seq, subs[i], offset, wt);
            for (int p = 0; p < length; p++)
            {
                if (wt[p] == common[p]) continue;
                var mutatedHere = subs[i].Any(s => s.Position + offset == p + 1);
                var what = mutatedHere
                    ? $"its mutant '{rows[i].Mutant}' says the wild type has '{wt[p]}' at position {p + 1}"
                    : $"its sequence has '{wt[p]}' at position {p + 1}, which its mutant '{rows[i].Mutant}' does not name";
                problems[i] = new(rows[i].File, rows[i].Line, rows[i].Id,
                    $"inconsistent with the common wild type: {what}; the wild type of the other variants has '{common[p]}' there (e.g. line {firstLine[p * Letters + common[p]]})");
                break;
            }
        }
        return new string(common);
    }

    private static void FillWildType(string sequence, ImmutableArray<Substitution> subs, int offset, char[] wt)
    {
        sequence.CopyTo(0, wt, 0, wt.Length);
        foreach (var s in subs) wt[s.Position + offset - 1] = s.From;
    }
}
