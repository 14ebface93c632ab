using System.Diagnostics;
using System.Globalization;
using PlmKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Embeddings;

/// <summary>How an embedding run uses memory, chosen before any weight is read.</summary>
/// <param name="Streamed">Layer streaming: one block in memory, each block's weights read once per chunk.</param>
/// <param name="Reason">Why, in one sentence, with the numbers it compared.</param>
/// <param name="ExpectedPeakBytes">Expected peak resident size of the process (an estimate, see <see cref="MemoryPlanner"/>).</param>
/// <param name="ChunkTokens">Streamed: tokens whose states are carried from block to block together (at least one batch). In memory: the batch size.</param>
/// <param name="BudgetBytes">The budget compared against: the user's, else the memory available when the run started, or null when unknown.</param>
/// <param name="TokensPerBatch">Tokens per batch, when the plan had to lower it below the one asked for so that one batch fits the user's budget; else null.</param>
public sealed record MemoryPlan(bool Streamed, string Reason, long ExpectedPeakBytes, long ChunkTokens, long? BudgetBytes, int? TokensPerBatch = null)
{
    /// <summary><c>streamed</c> or <c>in-memory</c>, as manifests record it.</summary>
    public string Mode => Streamed ? "streamed" : "in-memory";
}

/// <summary>
/// The memory a run may fill when the user gives no budget: the host's available memory for a CPU
/// run, the device's free memory for a GPU run (<see cref="DeviceMemory"/>), measured once before
/// the weights are read.
/// </summary>
/// <param name="Bytes">Bytes free, or null when unknown (no <c>/proc</c>).</param>
/// <param name="Description">What was measured, for the plan's reason (e.g. <c>the free memory of cuda:0</c>).</param>
public sealed record FreeMemory(long? Bytes, string Description)
{
    /// <summary>The host's memory available now (<see cref="ProcessMemory.AvailableBytes"/>).</summary>
    public static FreeMemory Host() => new(ProcessMemory.AvailableBytes(), "the memory available now");

    /// <summary>
    /// For a run on device <paramref name="type"/> <paramref name="index"/>: a CUDA device's free memory, else the host's. When a CUDA
    /// device's memory cannot be read (no NVIDIA driver library), the host's, saying so.
    /// </summary>
    /// <param name="type">Device type, as <see cref="TorchRuntime.ResolveDevice"/> gives it.</param>
    /// <param name="index">Device index (−1, as <c>cuda</c> without a number gives it, means device 0).</param>
    public static FreeMemory Of(TorchSharp.DeviceType type, int index)
    {
        if (type != TorchSharp.DeviceType.CUDA) return Host();
        int ordinal = Math.Max(index, 0);
        if (DeviceMemory.Cuda(ordinal) is { } gpu) return new(gpu.Free, $"the free memory of cuda:{ordinal}");
        var host = Host();
        return host with { Description = $"{host.Description} on the host (the free memory of cuda:{ordinal} could not be read from the NVIDIA driver; give --max-memory)" };
    }
}

/// <summary>
/// Chooses between the in-memory run and layer streaming from the weights' sizes and a memory
/// budget, and sizes the streaming chunks. The sizes are estimates from the shapes: weights in the
/// compute dtype, the runtime's own memory (<see cref="RuntimeBytes"/>), a block's working memory
/// for one batch, and per token carried between blocks its states plus the pooled layers' states
/// kept until pooling. The factors are calibrated on measured peaks (VmHWM) of a 150M-shape ESM-2
/// here: one batch of 4,096 tokens of 288-token sequences took about 48·D·4 bytes per token
/// (attention's softmax is materialised: ≈ 3·T·H float32 per token), and each further token
/// carried through a streamed chunk about 8·D·4 (its states, their successor during a block,
/// the unpacked float32 copies read out at pooled layers, and the heap's fragmentation: freed
/// memory is kept, see <see cref="TorchRuntime"/>).
/// </summary>
public static class MemoryPlanner
{
    /// <summary>
    /// Resident size of a <c>plmkit embed</c> process besides weights and activations (.NET
    /// runtime, libtorch, MKL, the store): 312 MB here is the whole peak (VmHWM) of embedding the
    /// 12 golden sequences with the 8M-shape golden (35 MB of weights), so this bound is generous.
    /// </summary>
    public const long RuntimeBytes = 300L << 20;

    /// <summary>
    /// Parses a memory size: a number with a unit <c>B</c>, <c>KB</c>, <c>MB</c>, <c>GB</c>, <c>TB</c>
    /// (powers of 1,024, as <c>free</c> and <c>/proc</c> count) or <c>KiB</c>, <c>MiB</c>, <c>GiB</c>, <c>TiB</c>; e.g. <c>8GB</c>, <c>3.5GB</c>, <c>512MiB</c>.
    /// </summary>
    /// <param name="text">User input.</param>
    /// <param name="option">Option or key it came from, named in the message.</param>
    /// <exception cref="ConfigurationException">No number, no known unit, or not positive.</exception>
    public static long ParseSize(string text, string option = "--max-memory")
    {
        var t = text.Trim();
        int i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
        var unit = t[i..].Trim().ToUpperInvariant().Replace("IB", "B", StringComparison.Ordinal);
        long scale = unit switch { "B" => 1, "KB" => 1L << 10, "MB" => 1L << 20, "GB" => 1L << 30, "TB" => 1L << 40, _ => 0 };
        if (scale == 0 || !double.TryParse(t[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !(value > 0)
            || value * scale >= long.MaxValue)
            throw new ConfigurationException($"{option}: '{text}' is not a memory size (use e.g. 8GB, 3.5GB or 512MB).");
        return (long)(value * scale);
    }

    /// <summary>Bytes as GB with one decimal, or MB under 1 GB (powers of 1,024, as <see cref="ParseSize"/> counts).</summary>
    public static string Format(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GB"
        : (bytes / (double)(1L << 20)).ToString("0", CultureInfo.InvariantCulture) + " MB";

    /// <summary>
    /// Chooses the mode: in memory when the whole model and one batch fit the budget, else streamed
    /// with as many tokens per chunk as the budget leaves; when not even one streamed batch fits the
    /// user's budget, with batches halved until one does (never below the longest input), in memory
    /// if the whole model then fits.
    /// </summary>
    /// <param name="w">Weight sizes in the compute dtype.</param>
    /// <param name="budget">The user's budget in bytes, or null for <paramref name="free"/>.</param>
    /// <param name="tokensPerBatch">Token budget per batch.</param>
    /// <param name="longestTokens">Tokens of the longest model input (sets attention's working memory).</param>
    /// <param name="pooledLayers">Layers whose states are kept until pooled.</param>
    /// <param name="free">Without a budget, the memory to fit (the device's, see <see cref="FreeMemory.Of"/>); null: the host's available memory now.</param>
    /// <exception cref="ConfigurationException">The budget is below what even one streamed batch of the longest input needs.</exception>
    public static MemoryPlan Choose(WeightSizes w, long? budget, int tokensPerBatch, long longestTokens, int pooledLayers, FreeMemory? free = null)
    {
        free = budget is null ? free ?? FreeMemory.Host() : null;
        long available = budget ?? free!.Bytes ?? long.MaxValue;
        string whose = free?.Description ?? "--max-memory";
        long batch = tokensPerBatch;
        // A block's transients for one batch (q/k/v, attention, the feed-forward's widest activations:
        // ≈ 16·D), and attention's scores and softmax (≈ 3·T·H float32 per token).
        long Working(long tokens) => tokens * (w.Hidden * 16L * w.ElementSize + 3L * Math.Min(longestTokens, tokens) * w.Heads * 4);
        // Pooled layers' float32 states, held as unpacked tensors and as arrays until pooling.
        long keptPerToken = pooledLayers * (long)w.Hidden * 4 * 2;
        // The whole model and one batch; and what a streamed run holds whatever its chunk: one block and one batch's working memory.
        long InMemory(long tokens) => RuntimeBytes + w.Total + Working(tokens) + tokens * keptPerToken;
        long Fixed(long tokens) => RuntimeBytes + w.Resident + w.Block + Working(tokens);
        long inMemory = InMemory(batch);
        if (inMemory <= available)
            return new MemoryPlan(false, $"the model ({Format(w.Total)} of weights) and one batch fit {whose} ({Format(Math.Min(available, long.MaxValue >> 1))}; needs about {Format(inMemory)})",
                inMemory, batch, budget ?? (available == long.MaxValue ? null : available));

        long perToken = 6L * w.Hidden * w.ElementSize + keptPerToken;
        long fixedBytes = Fixed(batch);
        long smallest = fixedBytes + batch * perToken;
        // Not even one batch beside one block: smaller batches (the same sequences, fewer at a time) rather than
        // a refusal, and in memory if the model then fits. Only under the user's budget, which gives every run of
        // an input the same batches (a resumed run or a shard must compute what the first run computed, bit for
        // bit); under the momentary free memory the batches could differ from run to run.
        while (budget is not null && smallest > available && batch / 2 >= Math.Max(1, longestTokens))
        {
            batch /= 2;
            long whole = InMemory(batch);
            if (whole <= available)
                return new MemoryPlan(false, $"the model ({Format(w.Total)} of weights) fits {whose} ({Format(available)}) in batches of {batch:N0} tokens " +
                                             $"instead of {tokensPerBatch:N0} (needs about {Format(whole)})", whole, batch, budget, (int)batch);
            fixedBytes = Fixed(batch);
            smallest = fixedBytes + batch * perToken;
        }
        if (smallest > available)
            throw new ConfigurationException(
                $"{whose} ({Format(available)}) is below what layer streaming needs for one batch of {batch} tokens: about {Format(smallest)} " +
                $"(runtime {Format(RuntimeBytes)}, embeddings and norms {Format(w.Resident)}, one block {Format(w.Block)}, working memory {Format(Working(batch))}); " +
                (budget is null ? "allow more memory, lower --max-tokens, or give --max-memory (smaller batches are then chosen for you)." : "allow more memory."));
        long chunk = Math.Max(batch, (available - fixedBytes) / perToken);
        string smaller = batch < tokensPerBatch ? $", in batches of {batch:N0} tokens instead of {tokensPerBatch:N0}" : "";
        return new MemoryPlan(true,
            $"the model needs about {Format(inMemory)} in memory, more than {whose} ({Format(available)}); streaming keeps one block ({Format(w.Block)}) " +
            $"and the states of up to {chunk:N0} tokens at a time{smaller}",
            fixedBytes + chunk * perToken, chunk, available, batch < tokensPerBatch ? (int)batch : null);
    }

    /// <summary>
    /// A lower bound of the embedding time: 2 multiply-add FLOPs per block weight per token, at
    /// the rate of a [512, D] × [D, 4D] matrix product (D the width, at most 1024) in the compute dtype timed here and now
    /// (best of three). Attention and streamed weight reads are not counted.
    /// </summary>
    /// <param name="info">The model (its block parameters are <see cref="ModelInfo.Parameters"/>).</param>
    /// <param name="tokens">Tokens to embed.</param>
    /// <param name="dtype">Compute dtype.</param>
    /// <param name="device">Device name as <see cref="TorchRuntime.ResolveDevice"/> gives it.</param>
    public static double EstimateSeconds(ModelInfo info, long tokens, EmbedDtype dtype, string device)
    {
        using var scope = NewDisposeScope();
        var dev = torch.device(device);
        // At most width 1024 (a 16 MB fp32 operand): the probe must not itself break the memory plan just made.
        long d = Math.Min(info.Hidden, 1024);
        var a = ones([512, d], dtype.ScalarType(), dev);
        var b = ones([d, 4 * d], dtype.ScalarType(), dev);
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = a.matmul(b);
            if (dev.type == DeviceType.CUDA) torch.cuda.synchronize();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        double rate = 2.0 * 512 * d * 4 * d / Math.Max(best, 1e-9);
        return 2.0 * info.Parameters * tokens / rate;
    }
}
