using PlmKit.Data;

namespace PlmKit.Figures;

/// <summary>One outer-fold test score of one model on one dataset (a row of a results table).</summary>
/// <param name="Dataset">Dataset name (<c>Dataset</c> column).</param>
/// <param name="Model">The model (<c>Model</c> + <c>ModelSize</c> columns, or a combined name).</param>
/// <param name="Fold">Outer fold (<c>Fold</c> column).</param>
/// <param name="R2Test">Test R² of that fold (<c>R2_score_test</c>).</param>
public sealed record FoldScore(string Dataset, ModelId Model, int Fold, double R2Test);

/// <summary>One fold of one subsample size in a learning-curve (sampling) table.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Model">The model.</param>
/// <param name="SampleSize">Size of the random subsample the run drew (<c>Sample_size</c>): its 5-fold
/// cross-validation trained on about four fifths of it and tested on the rest, so the number
/// includes the test fold.</param>
/// <param name="Fold">Outer fold.</param>
/// <param name="R2Test">Test R² of that fold.</param>
/// <param name="NonZeroCoefficients">Features the Lasso kept (<c>nun_zero_coefs</c>, the study's spelling), or null when the table has no such column.</param>
public sealed record SamplingScore(string Dataset, ModelId Model, int SampleSize, int Fold, double R2Test, int? NonZeroCoefficients = null);

/// <summary>Size, protein length and measurement group of one dataset, with its fold scores.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Size">Number of variants (<c>dataset_size</c>).</param>
/// <param name="ProteinLength">Length of the wild-type protein in residues (<c>prot_length</c>).</param>
/// <param name="Group">Measurement group (<c>group</c>), or "" when the table has none.</param>
public sealed record DatasetInfo(string Dataset, int Size, int ProteinLength, string Group);

/// <summary>
/// Reads the study's result tables (and PlmKit's, which keep the same column names) into typed
/// rows. Every problem is reported with the file and line; no row is skipped.
/// </summary>
public static class StudyTables
{
    /// <summary>
    /// Fold scores from a results table with columns <c>Dataset</c>, <c>Model</c>, <c>Fold</c>,
    /// <c>R2_score_test</c> and optionally <c>ModelSize</c> and <c>parameters</c>.
    /// </summary>
    /// <exception cref="InputException">A missing column, a model without a size, a non-finite R².</exception>
    public static IReadOnlyList<FoldScore> FoldScores(TidyTable table)
    {
        var datasets = table.Strings("Dataset");
        var models = Models(table);
        var folds = Integers(table, "Fold");
        var r2 = Finite(table, "R2_score_test");
        return [.. Enumerable.Range(0, table.RowCount).Select(i => new FoldScore(datasets[i], models[i], folds[i], r2[i]))];
    }

    /// <summary>
    /// Learning-curve rows: the columns of <see cref="FoldScores"/> plus <c>Sample_size</c>, and
    /// <c>nun_zero_coefs</c> when the table has it.
    /// </summary>
    /// <exception cref="InputException">A missing column or a bad value (a negative feature count included).</exception>
    public static IReadOnlyList<SamplingScore> SamplingScores(TidyTable table)
    {
        var datasets = table.Strings("Dataset");
        var models = Models(table);
        var sizes = Integers(table, "Sample_size");
        var folds = Integers(table, "Fold");
        var r2 = Finite(table, "R2_score_test");
        var features = table.HasColumn(NonZeroColumn) ? Integers(table, NonZeroColumn) : null;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (sizes[i] <= 0)
                throw new InputException(table.SourceOf(i), table.LineOf(i), $"column 'Sample_size' has {sizes[i]}; a positive count is expected");
            if (features is not null && features[i] < 0)
                throw new InputException(table.SourceOf(i), table.LineOf(i), $"column '{NonZeroColumn}' has {features[i]}; a count of features (0 or more) is expected");
        }
        return [.. Enumerable.Range(0, table.RowCount).Select(i => new SamplingScore(datasets[i], models[i], sizes[i], folds[i], r2[i], features?[i]))];
    }

    /// <summary>The study's column of the number of non-zero Lasso coefficients (spelled as the study spells it).</summary>
    public const string NonZeroColumn = "nun_zero_coefs";

    /// <summary>
    /// Size and protein length of each dataset from the columns <c>Dataset</c>, <c>dataset_size</c>,
    /// <c>prot_length</c> and optionally <c>group</c> (repeated on every row of the dataset; they must agree).
    /// </summary>
    /// <returns>One entry per dataset, ordered by name.</returns>
    /// <exception cref="InputException">A missing column, a non-positive value, or rows of one dataset that disagree.</exception>
    public static IReadOnlyList<DatasetInfo> Datasets(TidyTable table)
    {
        var names = table.Strings("Dataset");
        var sizes = Integers(table, "dataset_size");
        var lengths = Integers(table, "prot_length");
        var groups = table.HasColumn("group") ? table.Strings("group") : null;
        var byName = new Dictionary<string, DatasetInfo>(StringComparer.Ordinal);
        for (int i = 0; i < table.RowCount; i++)
        {
            if (sizes[i] <= 0 || lengths[i] <= 0)
                throw new InputException(table.SourceOf(i), table.LineOf(i), "dataset_size and prot_length must be positive");
            var info = new DatasetInfo(names[i], sizes[i], lengths[i], groups?[i] ?? "");
            if (byName.TryGetValue(names[i], out var seen) && seen != info)
                throw new InputException(table.SourceOf(i), table.LineOf(i),
                    $"dataset '{names[i]}' has size {info.Size}, length {info.ProteinLength}, group '{info.Group}' here " +
                    $"but size {seen.Size}, length {seen.ProteinLength}, group '{seen.Group}' on an earlier row");
            byName[names[i]] = info;
        }
        return [.. byName.Values.OrderBy(d => d.Dataset, StringComparer.Ordinal)];
    }

    private static ModelId[] Models(TidyTable table)
    {
        var names = table.Strings("Model");
        var sizes = table.HasColumn("ModelSize") ? table.Strings("ModelSize") : null;
        var parameters = table.HasColumn("parameters") ? table.Numbers("parameters") : null;
        var models = new ModelId[table.RowCount];
        for (int i = 0; i < models.Length; i++)
        {
            models[i] = ModelId.TryParse(names[i], sizes?[i], parameters?[i])
                ?? throw new InputException(table.SourceOf(i), table.LineOf(i),
                    sizes is null
                        ? $"model '{names[i]}' names no size; use a name such as esm2_150M or add a ModelSize column"
                        : $"model size '{sizes[i]}' is not a size such as 8M or 15B");
            if (!(models[i].Parameters > 0))
                throw new InputException(table.SourceOf(i), table.LineOf(i), $"model '{names[i]}' has {models[i].Parameters} parameters; a positive count is expected");
        }
        return models;
    }

    private static double[] Finite(TidyTable table, string column)
    {
        var values = table.Numbers(column);
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i]))
                throw new InputException(table.SourceOf(i), table.LineOf(i), $"column '{column}' has {values[i]}; a finite number is expected");
        return values;
    }

    private static int[] Integers(TidyTable table, string column)
    {
        var values = table.Numbers(column);
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            // pandas writes integer columns with missing values as floats (e.g. 2722.0): accept whole numbers.
            if (!double.IsFinite(values[i]) || values[i] != Math.Floor(values[i]) || Math.Abs(values[i]) > int.MaxValue)
                throw new InputException(table.SourceOf(i), table.LineOf(i), $"column '{column}' has {values[i]}; a whole number is expected");
            result[i] = (int)values[i];
        }
        return result;
    }
}
