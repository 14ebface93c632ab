using System.Collections.Immutable;

namespace PlmKit.Data;

/// <summary>
/// One protein (variant) of an assay: its id, full amino-acid sequence and measured target.
/// </summary>
/// <param name="Id">Unique id within the assay (the study's <c>ID</c>, a FASTA id, ...).</param>
/// <param name="Sequence">Full protein sequence, upper-case one-letter codes.</param>
/// <param name="Target">Measured value (fitness, activity, property), finite.</param>
/// <param name="Mutant">Substitutions such as <c>A24C</c> or <c>A24C:G30W</c> (1-based), or null.</param>
/// <param name="Fold">Predefined outer fold (e.g. ProteinGym's <c>fold_random_5</c>), or null.</param>
/// <param name="SourceLine">1-based line of the record in its source file (0 when not from a file).</param>
public sealed record ProteinRecord(
    string Id,
    string Sequence,
    double Target,
    string? Mutant = null,
    int? Fold = null,
    int SourceLine = 0);

/// <summary>A dataset ready for transfer learning: proteins with a target each, in file order.</summary>
/// <param name="Name">Dataset name (the study's <c>Dataset</c> column, e.g. <c>IF1_ECOLI</c>).</param>
/// <param name="SourcePath">File it was read from (for messages and manifests).</param>
/// <param name="Records">Proteins in input order.</param>
public sealed record Assay(string Name, string SourcePath, ImmutableArray<ProteinRecord> Records)
{
    /// <summary>Number of proteins.</summary>
    public int Count => Records.Length;

    /// <summary>Targets in record order, length <see cref="Count"/>.</summary>
    public double[] Targets() => Records.Select(r => r.Target).ToArray();

    /// <summary>Ids in record order, length <see cref="Count"/>.</summary>
    public string[] Ids() => Records.Select(r => r.Id).ToArray();

    /// <summary>Sequences in record order, length <see cref="Count"/>.</summary>
    public string[] Sequences() => Records.Select(r => r.Sequence).ToArray();

    /// <summary>
    /// Rows the reader left out because <see cref="AssayReadOptions.DropInvalid"/> was set, each
    /// with its line and problem; empty when nothing was dropped.
    /// </summary>
    public ImmutableArray<DroppedRecord> Dropped { get; init; } = ImmutableArray<DroppedRecord>.Empty;

    /// <summary>
    /// The common wild type all mutants of the assay were checked against (the sequence with
    /// every substitution undone), or null when the assay has no mutant strings.
    /// </summary>
    public string? WildType { get; init; }

    /// <summary>
    /// Added to a mutant string's positions to get positions in <see cref="ProteinRecord.Sequence"/>
    /// (0 when both use one numbering; the reader detects a constant shift, e.g. +1 in the
    /// study's MTH3 assay, and says so in <see cref="Notes"/>).
    /// </summary>
    public int MutantOffset { get; init; }

    /// <summary>The column <see cref="ProteinRecord.Fold"/> was read from, or null when no fold column was read.</summary>
    public string? FoldColumn { get; init; }

    /// <summary>Things the reader accepted but the user should know (detected offsets, repeated ids).</summary>
    public ImmutableArray<string> Notes { get; init; } = ImmutableArray<string>.Empty;
}

/// <summary>A row the reader dropped (only with <see cref="AssayReadOptions.DropInvalid"/>).</summary>
/// <param name="Line">1-based line in <see cref="File"/>.</param>
/// <param name="Id">The row's id as written (may be empty).</param>
/// <param name="Problem">Why it was dropped.</param>
/// <param name="File">File the row came from.</param>
public sealed record DroppedRecord(int Line, string Id, string Problem, string File)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}: {Problem}";
}
