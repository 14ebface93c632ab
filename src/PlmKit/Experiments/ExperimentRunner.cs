using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using PlmKit.Data;
using PlmKit.Embeddings.Store;
using PlmKit.Regression;

namespace PlmKit.Experiments;

/// <summary>Where a run stands, for progress displays.</summary>
/// <param name="Done">Cells finished in this run (computed now).</param>
/// <param name="ToDo">Cells this run has to compute (not cached).</param>
/// <param name="Cached">Cells found in the cache.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Stage">What is happening (e.g. <c>embedding IF1_ECOLI with tiny</c>).</param>
public sealed record RunProgress(int Done, int ToDo, int Cached, TimeSpan Elapsed, string Stage)
{
    /// <summary>Cells per second so far (0 before the first).</summary>
    public double Rate => Done > 0 ? Done / Elapsed.TotalSeconds : 0;

    /// <summary>Estimated time left, or null before the first cell.</summary>
    public TimeSpan? Remaining => Done > 0 ? TimeSpan.FromSeconds((ToDo - Done) / Rate) : null;
}

/// <summary>What a run did.</summary>
/// <param name="Cells">Cells of this run's shard, in grid order.</param>
/// <param name="Computed">Cells computed now.</param>
/// <param name="Cached">Cells found in the cache.</param>
/// <param name="Embedding">Per (dataset, model): what the store had to compute.</param>
/// <param name="ResultsPath">The results table, or null for a sharded run (the unsharded pass writes it).</param>
/// <param name="ManifestPath">The manifest, or null for a sharded run.</param>
/// <param name="Dropped">Rows left out of datasets marked <see cref="DatasetSpec.DropInvalid"/>, each with file, line and problem.</param>
public sealed record RunReport(IReadOnlyList<ExperimentCell> Cells, int Computed, int Cached,
    IReadOnlyList<(string Dataset, string Model, StoredEmbedReport Report)> Embedding, string? ResultsPath, string? ManifestPath,
    IReadOnlyList<DroppedRecord> Dropped);

/// <summary>
/// Runs an experiment grid: for each (dataset, model) of its shard it lets the store compute only the
/// missing embeddings, then evaluates the uncached cells in parallel, committing each finished cell.
/// An unsharded run then writes the tidy results table (every cell, in grid order) and a manifest.
/// </summary>
public sealed class ExperimentRunner(ExperimentConfig config, IEmbeddingSourceFactory models, ICellEvaluator evaluator)
{
    /// <summary>Cells evaluated at once (default: one per core).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>This process's part of the grid (by dataset × model).</summary>
    public Shard Shard { get; init; } = Shard.All;

    /// <summary>Mean sequences per committed embedding chunk, or null for about 16 token batches of 4,096 (see <see cref="StoredEmbedder.ChunkSizeFor"/>).</summary>
    public int? EmbedChunk { get; init; }

    /// <summary>Receives progress after each cell and at each stage.</summary>
    public IProgress<RunProgress>? Progress { get; init; }

    /// <summary>The command line, recorded in the manifest.</summary>
    public IReadOnlyList<string> CommandLine { get; init; } = [];

    /// <summary>Runs the grid (see the class summary).</summary>
    public RunReport Run()
    {
        if (Parallelism < 1)
            throw new ConfigurationException($"parallelism must be at least 1 (got {Parallelism})");
        OutputFolder.Check(config.Out, "out", ".csv");
        var clock = Stopwatch.StartNew();
        var manifest = new Manifest("run", CommandLine);
        var regressors = config.ParsedRegressors();
        var protocols = config.ParsedProtocols();
        var datasets = config.Datasets.Select(LoadDataset).ToList();
        var dropped = datasets.SelectMany(d => d.Assay.Dropped).ToList();
        var settings = config.EmbedSettings;
        var poolings = config.Poolings;

        var units = new List<(LoadedDataset Data, string Model, IEmbeddingSource Source, List<ExperimentCell> Cells)>();
        try
        {
            foreach (var d in datasets)
                foreach (var model in config.Models)
                    if (Shard.Contains(ExperimentCell.ShardUnit(d.Sha256, model)))
                    {
                        var source = OpenModel(model, settings);
                        units.Add((d, model, source, CellsOf(d, model, source, regressors, protocols).ToList()));
                    }
            // The zero-shot baseline: per dataset, no model (its own shard unit).
            var zeroShotUnits = config.ParsedFeatureSets().Contains(FeatureSet.ZeroShot)
                ? datasets.Where(d => Shard.Contains(ExperimentCell.ShardUnit(d.Sha256, FeatureSet.ZeroShot.Key())))
                    .Select(d => (Data: d, Cells: ZeroShotCellsOf(d, regressors, protocols).ToList())).ToList()
                : [];
            // Opened once every input has been read, so a bad one leaves no empty store behind.
            using var store = EmbeddingStore.Open(config.Store);
            using var cache = CellCache.Open(config.Store);
            var allCells = units.SelectMany(u => u.Cells).Concat(zeroShotUnits.SelectMany(u => u.Cells)).ToList();
            var missing = cache.Missing(allCells.Select(c => c.Key));
            int toDo = allCells.Count(c => missing.Contains(c.Key)), cached = allCells.Count - toDo, done = 0;
            void Report(string stage) => Progress?.Report(new RunProgress(done, toDo, cached, clock.Elapsed, stage));

            var embedding = new List<(string, string, StoredEmbedReport)>();
            foreach (var (data, model, source, cells) in units)
            {
                var open = cells.Where(c => missing.Contains(c.Key)).ToList();
                if (open.Count == 0)
                    continue;
                Report($"embedding {data.Name} with {source.ModelName}");
                var items = data.Assay.Records.Select(r => (r.Id, r.Sequence)).ToList();
                var layers = open.Select(c => c.Layer).Distinct().Order().ToList();
                var pools = poolings.Where(p => open.Any(c => c.Pool == p.Name)).ToList();
                embedding.Add((data.Name, source.ModelName,
                    new StoredEmbedder(store, source).Run(items, layers, pools, Shard.All,
                        EmbedChunk ?? StoredEmbedder.ChunkSizeFor(items.Select(i => i.Sequence), Embeddings.Batching.DefaultTokensPerBatch))));

                Report($"evaluating {data.Name} with {source.ModelName}");
                var features = new ConcurrentDictionary<(int, string), Lazy<double[][]>>();
                ForEachParallel(open, cell =>
                {
                    var x = features.GetOrAdd((cell.Layer, cell.Pool), k => new Lazy<double[][]>(() => Features(store, source, data, k.Item1, k.Item2))).Value;
                    if (cell.Set == FeatureSet.Augmented)
                        x = [.. x.Select((row, i) => (double[])[.. row, data.Scores!.Values[i]])];
                    var watch = Stopwatch.StartNew();
                    var rows = evaluator.Evaluate(cell, data.Assay, x);
                    cache.Put(cell, rows, watch.Elapsed.TotalSeconds);
                    Interlocked.Increment(ref done);
                    Report($"evaluating {data.Name} with {source.ModelName}");
                });
            }

            foreach (var (data, cells) in zeroShotUnits)
            {
                var open = cells.Where(c => missing.Contains(c.Key)).ToList();
                if (open.Count == 0)
                    continue;
                Report($"evaluating {data.Name} with its zero-shot score");
                double[][] x = [.. data.Scores!.Values.Select(v => new[] { v })];
                ForEachParallel(open, cell =>
                {
                    var watch = Stopwatch.StartNew();
                    var rows = evaluator.Evaluate(cell, data.Assay, x);
                    cache.Put(cell, rows, watch.Elapsed.TotalSeconds);
                    Interlocked.Increment(ref done);
                    Report($"evaluating {data.Name} with its zero-shot score");
                });
            }

            if (Shard.Count > 1)
                return new RunReport(allCells, toDo, cached, embedding, null, null, dropped);
            Directory.CreateDirectory(config.Out);
            string results = Path.Combine(config.Out, "results.csv");
            ResultRow.Write(results, allCells.SelectMany(c => cache.Get(c.Key)
                ?? throw new PlmKitException($"cell {c.Key} vanished from the cache {config.Store}")));
            foreach (var d in datasets.Where(d => d.Scores is not null))
                manifest.Input(d.Scores!.Path);
            string manifestPath = RunManifest.Write(Path.Combine(config.Out, "manifest.json"), manifest.Output(results), config,
                datasets.Select(d => (d.Name, d.Spec, d.Sha256, d.Assay.Count, (IReadOnlyList<DroppedRecord>)d.Assay.Dropped)).ToList(),
                units.Select(u => u.Source).DistinctBy(s => s.ModelId).ToList(),
                allCells.Count, toDo, cached);
            return new RunReport(allCells, toDo, cached, embedding, results, manifestPath, dropped);
        }
        finally
        {
            foreach (var u in units)
                (u.Source as IDisposable)?.Dispose();
        }
    }

    /// <summary>Opens a model of the grid; a model that cannot be found or loaded is reported with the experiment file.</summary>
    private IEmbeddingSource OpenModel(string model, EmbedSettings settings)
    {
        try
        {
            return models.Open(model, settings);
        }
        catch (ModelLoadException e) when (config.Source is not null)
        {
            throw new ModelLoadException($"{config.Source}: {e.Message}", e);
        }
    }

    private IEnumerable<ExperimentCell> CellsOf(LoadedDataset data, string model, IEmbeddingSource source,
        IReadOnlyList<RegressorSpec> regressors, IReadOnlyList<ScalingProtocol> protocols)
    {
        int?[] sizes = config.TrainSizes.Count == 0 ? [null] : config.TrainSizes.Select(n => (int?)n).ToArray();
        var sets = config.ParsedFeatureSets().Where(s => s != FeatureSet.ZeroShot).ToList();
        foreach (var layerRequest in config.Layers)
        {
            int layer = layerRequest < 0 ? source.LayerCount + 1 + layerRequest : layerRequest;
            if (layer < 0 || layer > source.LayerCount)
                throw new ConfigurationException($"layer {layerRequest} does not exist in {source.ModelName} (layers 0…{source.LayerCount})");
            foreach (var pool in config.Pools)
                foreach (var regressor in regressors)
                    foreach (var protocol in protocols)
                        foreach (var size in sizes)
                            foreach (var set in sets)
                                yield return new ExperimentCell(data.Name, data.Sha256, model, source.ModelName, source.ModelId, layer, pool,
                                    regressor, protocol, size, config.FoldCount, config.Seed, size is null ? 1 : config.Repeats, source.LongPolicy, source.Dtype)
                                {
                                    Split = config.FoldScheme as FoldScheme.ProteinGym,
                                    Set = set,
                                    ScoresSha256 = set == FeatureSet.Plain ? null : data.ScoresSha256,
                                };
        }
    }

    /// <summary>The zero-shot baseline's cells of one dataset: the score alone, per regressor, protocol and size (no model, layer or pooling).</summary>
    private IEnumerable<ExperimentCell> ZeroShotCellsOf(LoadedDataset data, IReadOnlyList<RegressorSpec> regressors, IReadOnlyList<ScalingProtocol> protocols)
    {
        int?[] sizes = config.TrainSizes.Count == 0 ? [null] : config.TrainSizes.Select(n => (int?)n).ToArray();
        var scores = data.Scores!;
        foreach (var regressor in regressors)
            foreach (var protocol in protocols)
                foreach (var size in sizes)
                    yield return new ExperimentCell(data.Name, data.Sha256, FeatureSet.ZeroShot.Key(), scores.Model, data.ScoresSha256!, 0, scores.Strategy,
                        regressor, protocol, size, config.FoldCount, config.Seed, size is null ? 1 : config.Repeats, "", "")
                    {
                        Split = config.FoldScheme as FoldScheme.ProteinGym,
                        Set = FeatureSet.ZeroShot,
                        ScoresSha256 = data.ScoresSha256,
                    };
    }

    private static double[][] Features(EmbeddingStore store, IEmbeddingSource source, LoadedDataset data, int layer, string pool)
    {
        var vectors = store.GetGroup(new EmbeddingKey(source.ModelId, layer, pool, source.LongPolicy, source.Dtype, ""));
        return CsvDouble.Of(data.Assay.Records.Select(r => vectors.TryGetValue(SequenceHash.Of(r.Sequence), out var v) ? v
            : throw new PlmKitException($"store {store.Directory} lacks {source.ModelName} layer {layer} {pool} for {r.Id} after embedding")).ToArray());
    }

    private void ForEachParallel(List<ExperimentCell> cells, Action<ExperimentCell> body)
    {
        try
        {
            Parallel.ForEach(cells, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, body);
        }
        catch (AggregateException e)
        {
            // Surface the first PlmKit error as itself so the CLI prints one clear line.
            var first = e.Flatten().InnerExceptions.FirstOrDefault(x => x is PlmKitException) ?? e.Flatten().InnerExceptions[0];
            ExceptionDispatchInfo.Capture(first).Throw();
            throw;
        }
    }

    private LoadedDataset LoadDataset(DatasetSpec spec)
    {
        var format = AssayFormats.Parse(spec.Format);
        AssayFormats.CheckTargets(spec.Path, format, spec.Targets);
        var options = config.FoldScheme.ReadOptions(new AssayReadOptions { Name = spec.Name, TargetsPath = spec.Targets, DropInvalid = spec.DropInvalid });
        var assay = AssayReader.Read(spec.Path, format, options);
        string sha = FileHash.Sha256(spec.Path);
        if (spec.Targets is not null)
            sha = SequenceHash.Of(sha + "|" + FileHash.Sha256(spec.Targets));
        // Scores are joined now, so ids without a score stop the run before any embedding.
        var scores = spec.ZeroShot is null ? null : ZeroShotScores.Load(spec.ZeroShot, assay);
        return new LoadedDataset(spec, assay.Name, sha, assay, scores, scores is null ? null : FileHash.Sha256(scores.Path));
    }

    private sealed record LoadedDataset(DatasetSpec Spec, string Name, string Sha256, Assay Assay, ZeroShotScores? Scores, string? ScoresSha256);
}
