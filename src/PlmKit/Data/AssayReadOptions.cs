namespace PlmKit.Data;

/// <summary>Assay file layouts <see cref="AssayReader"/> understands.</summary>
public enum AssayFormat
{
    /// <summary>Detect from the file: FASTA by its first character, the CSVs by their header.</summary>
    Auto,

    /// <summary>The study's (SWAT) DMS CSV: <c>,ID,mutant,target,sequence</c>, first column an unnamed row index.</summary>
    Swat,

    /// <summary>ProteinGym substitutions: <c>mutant,mutated_sequence,DMS_score</c> (+ optional fold columns); the mutant is the id.</summary>
    ProteinGym,

    /// <summary>FASTA sequences plus a targets CSV (<c>id,target</c>) named in <see cref="AssayReadOptions.TargetsPath"/>.</summary>
    FastaCsv,

    /// <summary>Any CSV with id, sequence and target columns named in the options.</summary>
    Csv,
}

/// <summary>What <see cref="AssayReader"/> does with ids that occur more than once.</summary>
public enum DuplicateIdPolicy
{
    /// <summary>
    /// Repeated ids are kept when every repeat has the same sequence (replicate measurements of
    /// one variant, as in the study's BRCA1 and PA_FLU files); an id with two different
    /// sequences is an error. The count is reported in <see cref="Assay.Notes"/>.
    /// </summary>
    SameSequence,

    /// <summary>Any repeated id is an error naming both lines.</summary>
    Error,
}

/// <summary>Options of <see cref="AssayReader.Read"/>. Defaults suit the study's files.</summary>
public sealed record AssayReadOptions
{
    /// <summary>Dataset name; default: the file name without extension.</summary>
    public string? Name { get; init; }

    /// <summary>Targets CSV (<c>id,target</c>) for <see cref="AssayFormat.FastaCsv"/>.</summary>
    public string? TargetsPath { get; init; }

    /// <summary>Id column for <see cref="AssayFormat.Csv"/> and the FASTA targets CSV (matched ignoring case).</summary>
    public string IdColumn { get; init; } = "id";

    /// <summary>Sequence column for <see cref="AssayFormat.Csv"/>.</summary>
    public string SequenceColumn { get; init; } = "sequence";

    /// <summary>Target column for <see cref="AssayFormat.Csv"/> and the FASTA targets CSV.</summary>
    public string TargetColumn { get; init; } = "target";

    /// <summary>Optional mutant column for <see cref="AssayFormat.Csv"/> (then mutants are checked).</summary>
    public string? MutantColumn { get; init; }

    /// <summary>
    /// Column that becomes <see cref="ProteinRecord.Fold"/> (integers), e.g. ProteinGym's
    /// <c>fold_random_5</c>, <c>fold_modulo_5</c> or <c>fold_contiguous_5</c>; null: no folds.
    /// </summary>
    public string? FoldColumn { get; init; }

    /// <summary>
    /// When true, a <see cref="FoldColumn"/> the file lacks is not an error: the records get no
    /// fold and <see cref="Assay.FoldColumn"/> stays null (ProteinGym's schemes take the file's
    /// column where it exists and generate the folds otherwise).
    /// </summary>
    public bool FoldColumnIfPresent { get; init; }

    /// <summary>
    /// Leave invalid rows out instead of failing; they are listed in <see cref="Assay.Dropped"/>.
    /// Problems of the whole file (missing columns, no rows) still fail.
    /// </summary>
    public bool DropInvalid { get; init; }

    /// <summary>Allowed sequence letters; default <see cref="Alphabets.Extended"/> (the 20 + ESM's X, B, U, Z, O).</summary>
    public string Alphabet { get; init; } = Alphabets.Extended;

    /// <summary>Check every mutant string against its sequence and a common wild type (default true).</summary>
    public bool CheckMutants { get; init; } = true;

    /// <summary>
    /// Added to mutant positions to find them in the sequence. Null (default): 0, unless 0
    /// explains fewer than half of at least <see cref="AssayReader.MinRowsForOffsetDetection"/>
    /// mutants and one constant shift explains at least 90 % of them (then it is used and noted).
    /// </summary>
    public int? MutantOffset { get; init; }

    /// <summary>How repeated ids are treated (default <see cref="DuplicateIdPolicy.SameSequence"/>).</summary>
    public DuplicateIdPolicy DuplicateIds { get; init; } = DuplicateIdPolicy.SameSequence;
}
