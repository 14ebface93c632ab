using PlmKit.Data;

namespace PlmKit.Tests.Statistics;

/// <summary>Reads lme4/multcomp reference CSVs (shared ones and those under Statistics/References).</summary>
internal static class ReferenceFiles
{
    /// <summary>tests/PlmKit.Tests/Statistics/References</summary>
    public static string Folder => Path.Combine(SharedData.RepoRoot, "tests", "PlmKit.Tests", "Statistics", "References");

    /// <summary>../shared/data/swat/results/<paramref name="name"/></summary>
    public static string Result(string name) => Path.Combine(SharedData.Swat, "results", name);

    /// <summary>Rows of a reference CSV keyed by its first column.</summary>
    public static Dictionary<string, double[]> Rows(string path, params string[] columns)
    {
        var table = TidyTable.Read(path);
        var keys = table.Strings(table.ColumnNames[0]);
        var values = columns.Select(table.Numbers).ToArray();
        var rows = new Dictionary<string, double[]>();
        for (int r = 0; r < table.RowCount; r++)
            rows[keys[r]] = [.. values.Select(v => v[r])];
        return rows;
    }
}
