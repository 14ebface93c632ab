// Times PlmKit's mixed model and glht-style contrasts on a study table: cold (first call, JIT
// included) and warm (median of repeats), printing one CSV line per step.
using System.Diagnostics;
using PlmKit.Data;
using PlmKit.Statistics;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: StatsBench <table.csv> <repeats>");
    return 2;
}
string path = args[0];
int repeats = int.Parse(args[1]);
var formula = MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold");

double Time(Action action)
{
    var sw = Stopwatch.StartNew();
    action();
    return sw.Elapsed.TotalMilliseconds;
}

double Median(List<double> v)
{
    v.Sort();
    return v.Count % 2 == 1 ? v[v.Count / 2] : 0.5 * (v[v.Count / 2 - 1] + v[v.Count / 2]);
}

TidyTable table = null!;
MixedModelFit fit = null!;
ContrastTable dunnett = null!;
double coldRead = Time(() => table = TidyTable.Read(path));
double coldFit = Time(() => fit = LinearMixedModel.Fit(table, formula));
double coldGlht = Time(() => dunnett = MultipleComparisons.Dunnett(fit, "Compression_method"));
var read = new List<double>();
var fits = new List<double>();
var glht = new List<double>();
for (int i = 0; i < repeats; i++)
{
    read.Add(Time(() => table = TidyTable.Read(path)));
    fits.Add(Time(() => fit = LinearMixedModel.Fit(table, formula)));
    glht.Add(Time(() => dunnett = MultipleComparisons.Dunnett(fit, "Compression_method")));
}
// All 91 pairs (Tukey): singular correlation, Genz–Bretz integration; fewer repeats (slower).
int tukeyRepeats = Math.Min(repeats, 3);
ContrastTable tukey = null!;
double coldTukey = Time(() => tukey = MultipleComparisons.Tukey(fit, "Compression_method"));
var tukeys = new List<double>();
for (int i = 0; i < tukeyRepeats; i++)
    tukeys.Add(Time(() => tukey = MultipleComparisons.Tukey(fit, "Compression_method")));
Console.WriteLine("tool,step,cold_ms,warm_median_ms,repeats");
Console.WriteLine($"PlmKit,read_csv,{coldRead:F2},{Median(read):F2},{repeats}");
Console.WriteLine($"PlmKit,fit,{coldFit:F2},{Median(fits):F2},{repeats}");
Console.WriteLine($"PlmKit,glht_dunnett,{coldGlht:F2},{Median(glht):F2},{repeats}");
Console.WriteLine($"PlmKit,glht_tukey,{coldTukey:F2},{Median(tukeys):F2},{tukeyRepeats}");
Console.Error.WriteLine($"REML={fit.Objective:F6} evaluations={fit.Evaluations} singular={fit.IsSingular} " +
    $"bos={fit.FixedEffects[1].Estimate:F10} se={fit.FixedEffects[1].StdError:F10} maxPool_p={dunnett["maxPool"].PValue:G6} calpha={dunnett.CriticalValue:F6} tukey_calpha={tukey.CriticalValue:F6}");
return 0;
