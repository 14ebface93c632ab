using System.Text.Json;
using MathNet.Numerics.LinearAlgebra;

namespace PlmKit.Tests.Regression;

/// <summary>Loads the golden LassoCV references of ../shared/golden/expected/lasso.</summary>
internal static class GoldenLasso
{
    public static string Dir => Path.Combine(SharedData.Golden, "expected", "lasso");

    /// <summary>Features as float64, n_rows × n_features.</summary>
    public static Matrix<double> Features(string dataset, string featureSet)
    {
        var st = SafeTensorsFile.Open(Path.Combine(Dir, $"features_{dataset}_{featureSet}.safetensors"));
        var shape = st.Shape("features");
        int n = shape[0], p = shape[1];
        // F32 and U8 values are exact in float.
        var rowMajor = st.Floats("features");
        return Matrix<double>.Build.Dense(n, p, (i, j) => rowMajor[(long)i * p + j]);
    }

    /// <summary>The <c>target</c> column of the study's DMS CSV, in data-row order.</summary>
    public static double[] Targets(string dataset)
    {
        var lines = File.ReadAllLines(Path.Combine(SharedData.Swat, "dms", dataset + ".csv"));
        var header = lines[0].Split(',');
        var t = Array.IndexOf(header, "target");
        return lines.Skip(1).Where(l => l.Length > 0)
            .Select(l => double.Parse(l.Split(',')[t], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    public static JsonDocument Json(string dataset, string featureSet, string variant) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, $"{dataset}__{featureSet}__{variant}.json")));

    /// <summary>CSV rows as dictionaries (column → value; empty = NaN).</summary>
    public static List<Dictionary<string, double>> Csv(string dataset, string featureSet, string variant)
    {
        var lines = File.ReadAllLines(Path.Combine(Dir, $"{dataset}__{featureSet}__{variant}.csv"));
        var header = lines[0].Split(',');
        return lines.Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            var cells = l.Split(',');
            return header.Select((h, i) => (h, v: cells[i].Length == 0 ? double.NaN : double.Parse(cells[i], System.Globalization.CultureInfo.InvariantCulture)))
                .ToDictionary(t => t.h, t => t.v);
        }).ToList();
    }
}
