using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace PlmKit.Embeddings.Store;

/// <summary>Output format of <see cref="StoreExporter"/>.</summary>
public enum ExportFormat
{
    /// <summary><c>layer&lt;k&gt;.&lt;pool&gt;.csv</c>: header <c>id,c0,c1,…</c>, one row per id, as <c>plmkit embed</c> writes.</summary>
    Csv,

    /// <summary><c>layer&lt;k&gt;.&lt;pool&gt;.parquet</c>: column <c>id</c> (string), then float columns <c>c0</c>, <c>c1</c>, …</summary>
    Parquet,
}

/// <summary>One exported file.</summary>
/// <param name="Path">File written.</param>
/// <param name="Rows">Rows (ids) written.</param>
/// <param name="Dimension">Vector length D (columns after id).</param>
/// <param name="IdsWithoutVector">Recorded ids for which this group holds no vector (not written, counted so nothing is dropped silently).</param>
public sealed record ExportedFile(string Path, int Rows, int Dimension, int IdsWithoutVector);

/// <summary>
/// Writes stored vectors under their ids, one file per layer and pooling, in the layout of
/// <c>plmkit embed</c>'s output so downstream tools cannot tell them apart.
/// </summary>
public static class StoreExporter
{
    /// <summary>
    /// Exports one group (model, layer, pooling, policy, dtype; <paramref name="group"/>'s sequence hash is
    /// ignored) for <paramref name="names"/> in their order. Files are written to a temporary name and
    /// renamed, so a crash never leaves a half-written file under the final name.
    /// </summary>
    public static ExportedFile Export(EmbeddingStore store, EmbeddingKey group, IReadOnlyList<SequenceName> names,
        string outDirectory, ExportFormat format)
    {
        var vectors = store.GetGroup(group);
        var rows = new List<(string Id, float[] Vector)>(names.Count);
        int without = 0;
        foreach (var n in names)
        {
            if (vectors.TryGetValue(n.SequenceSha256, out var v))
                rows.Add((n.Id, v));
            else
                without++;
        }
        int dim = rows.Count > 0 ? rows[0].Vector.Length : 0;
        if (rows.Any(r => r.Vector.Length != dim))
            throw new InputException(store.DatabasePath, null, $"vectors of {group.Model} layer {group.Layer} {group.Pooling} have differing lengths");
        Directory.CreateDirectory(outDirectory);
        var ext = format == ExportFormat.Csv ? "csv" : "parquet";
        var path = Path.Combine(outDirectory, $"layer{group.Layer}.{group.Pooling}.{ext}");
        // Several processes may export the same store into one folder at once (the same command
        // started twice): each writes its own temporary file.
        if (format == ExportFormat.Csv)
            CsvFile.Write(path, ["id", .. Enumerable.Range(0, dim).Select(j => "c" + j.ToString(CultureInfo.InvariantCulture))], w =>
            {
                foreach (var (id, v) in rows) w.Row(id, v);
            });
        else
            AtomicFile.Write(path, tmp => WriteParquet(tmp, rows, dim).GetAwaiter().GetResult());
        return new ExportedFile(path, rows.Count, dim, without);
    }

    private static async Task WriteParquet(string path, IReadOnlyList<(string Id, float[] Vector)> rows, int dim)
    {
        var idField = new DataField<string>("id");
        var fields = new List<Field> { idField };
        var components = Enumerable.Range(0, dim).Select(j => new DataField<float>("c" + j.ToString(CultureInfo.InvariantCulture))).ToArray();
        fields.AddRange(components);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(idField, rows.Select(r => r.Id).ToArray());
        var column = new float[rows.Count];
        for (int j = 0; j < dim; j++)
        {
            for (int i = 0; i < rows.Count; i++)
                column[i] = rows[i].Vector[j];
            await group.WriteAsync<float>(components[j], column.AsMemory());
        }
    }
}
