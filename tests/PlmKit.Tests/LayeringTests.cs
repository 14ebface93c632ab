using NetArchTest.Rules;

namespace PlmKit.Tests;

/// <summary>
/// The library reads as the pipeline: a small core (namespace <c>PlmKit</c>: atomic files,
/// hashing, CSV and manifests, shards, SQLite, dense math, the torch runtime) that everyone may use,
/// then Data → Models → Embeddings → Embeddings.Store → Regression → Statistics → Figures →
/// Experiments, each using only what comes before it. Checked on the compiled assembly (every type
/// a type's fields, signatures and method bodies touch), so the rule cannot drift.
/// </summary>
public class LayeringTests
{
    private static readonly string[] Layers =
    [
        "PlmKit.Data", "PlmKit.Models", "PlmKit.Embeddings", "PlmKit.Embeddings.Store", "PlmKit.Scoring", "PlmKit.Regression", "PlmKit.FineTuning",
        "PlmKit.Statistics", "PlmKit.Figures", "PlmKit.Experiments",
    ];

    public static TheoryData<int> LayerIndices() => new(Enumerable.Range(0, Layers.Length));

    [Theory]
    [MemberData(nameof(LayerIndices))]
    public void ALayerUsesOnlyTheCoreAndTheLayersBeforeIt(int index)
    {
        var later = Layers.Skip(index + 1).Where(l => !Layers[index].StartsWith(l + ".", StringComparison.Ordinal)).ToArray();
        if (later.Length == 0) return;
        var types = Types.InAssembly(typeof(AtomicFile).Assembly).That().ResideInNamespace(Layers[index]);
        // A namespace's own sub-layers that come later (Embeddings.Store after Embeddings) are not part of it.
        foreach (var deeper in Layers.Skip(index + 1).Where(l => l.StartsWith(Layers[index] + ".", StringComparison.Ordinal)))
            types = types.And().DoNotResideInNamespace(deeper);
        var result = types.ShouldNot().HaveDependencyOnAny(later).GetResult();
        Assert.True(result.IsSuccessful,
            $"{Layers[index]} must not use {string.Join(", ", later)}; offending types: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void TheCoreUsesNoLayer()
    {
        var core = Types.InAssembly(typeof(AtomicFile).Assembly).That().ResideInNamespace("PlmKit");
        foreach (var layer in Layers.Where(l => l.Count(c => c == '.') == 1))
            core = core.And().DoNotResideInNamespace(layer);
        var result = core.ShouldNot().HaveDependencyOnAny(Layers).GetResult();
        Assert.True(result.IsSuccessful, $"the core (namespace PlmKit) must not use a layer; offending types: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void TheRuleSeesAViolation()
    {
        // Guards the test itself: Experiments does use Regression, so asking the opposite must fail.
        var result = Types.InAssembly(typeof(AtomicFile).Assembly).That().ResideInNamespace("PlmKit.Experiments")
            .ShouldNot().HaveDependencyOn("PlmKit.Regression").GetResult();
        Assert.False(result.IsSuccessful);
    }
}
