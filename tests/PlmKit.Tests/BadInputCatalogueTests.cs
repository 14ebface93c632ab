using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PlmKit.Tests.Models;

namespace PlmKit.Tests;

/// <summary>
/// The bad-input catalogue (issue #13): one bad file per case, across every command, each run
/// through the command line. The contract for every case: exit code 2; stderr is exactly one line
/// starting with <c>plmkit: error:</c> that names the bad file (and its line or tensor where the
/// case has one); no stack trace; no report on stdout; no output file left anywhere in the
/// case's folder (the <c>--out</c> target absent or empty). Most cases run in-process; a few run
/// as a real process to show the exit code and the absence of a trace end to end.
/// </summary>
/// <remarks>
/// Each case's command line is written out in full in <see cref="Cases"/>, so renamed options
/// are updated in one place. Existing tests check single messages of the readers; this sweep
/// checks the whole contract at the command line for every kind of input file.
/// </remarks>
public sealed class BadInputCatalogueTests
{
    /// <summary>One bad input: what to write into the case's folder and the command line that must refuse it.</summary>
    /// <param name="Name">Unique name, <c>command-input-problem</c>.</param>
    /// <param name="Setup">Writes the files into the folder; returns the command line (after <c>plmkit</c>).</param>
    /// <param name="Expect">What the one stderr line must contain: the bad file's name, and ":line:" or the tensor where there is one.</param>
    public sealed record Case(string Name, Func<Folder, string[]> Setup, params string[] Expect);

    /// <summary>The case's temporary folder, with writers for the kinds of input file.</summary>
    public sealed class Folder : IDisposable
    {
        private readonly TempDir _dir = new();

        public string Path => _dir.Path;

        public string Sub(string name) => _dir.Sub(name);

        public string Write(string name, string text)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Sub(name))!);
            return _dir.Write(name, text);
        }

        /// <summary>A copy of a golden model folder (weights and config, no .pt/.pth) as <c>model/</c>.</summary>
        public string Model(string golden)
        {
            var target = Directory.CreateDirectory(Sub("model")).FullName;
            foreach (var file in Directory.GetFiles(golden).Where(f => !f.EndsWith(".pt", StringComparison.Ordinal) && !f.EndsWith(".pth", StringComparison.Ordinal)))
                File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)));
            return target;
        }

        public void Dispose() => _dir.Dispose();
    }

    // ---- input builders ----------------------------------------------------------------------

    private const string Wt = "MKTAYIAKQRQISFVKSHFSRQLEERLG";
    private const int AssayRows = 20;

    /// <summary>
    /// A study-format (SWAT) assay of <see cref="AssayRows"/> single mutants of <see cref="Wt"/>,
    /// ids v1..v20; row i (0-based) is on line i + 2. <paramref name="edit"/> may replace rows.
    /// </summary>
    private static string Assay(Func<int, string, string>? edit = null, string header = ",ID,mutant,target,sequence")
    {
        var text = new StringBuilder(header).Append('\n');
        for (int i = 0; i < AssayRows; i++)
        {
            char to = Wt[i] == 'A' ? 'G' : 'A';
            string mutant = $"{Wt[i]}{i + 1}{to}";
            string sequence = Wt[..i] + to + Wt[(i + 1)..];
            string target = ((i * 37 % 20) / 10.0).ToString(CultureInfo.InvariantCulture);
            string row = $"{i},v{i + 1},{mutant},{target},{sequence}";
            text.Append(edit is null ? row : edit(i, row)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A feature CSV (id, f1, f2) for the assay's ids; row i on line i + 2.</summary>
    private static string Features(Func<int, string, string>? edit = null)
    {
        var text = new StringBuilder("id,f1,f2\n");
        for (int i = 0; i < AssayRows; i++)
        {
            string row = string.Create(CultureInfo.InvariantCulture, $"v{i + 1},{i * 0.1},{(i % 3) * 0.5}");
            text.Append(edit is null ? row : edit(i, row)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A fold CSV (id, fold) for the assay's ids, four folds; row i on line i + 2.</summary>
    private static string Folds(Func<int, string, string>? edit = null)
    {
        var text = new StringBuilder("id,fold\n");
        for (int i = 0; i < AssayRows; i++)
        {
            string row = $"v{i + 1},{i % 4}";
            text.Append(edit is null ? row : edit(i, row)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A tidy results table for <c>stats</c>: 4 datasets × 3 folds × 3 methods; data row i on line i + 2.</summary>
    private static string Tidy(Func<int, string, string>? edit = null)
    {
        var text = new StringBuilder("Dataset,Fold,method,y\n");
        int i = 0;
        foreach (var d in new[] { "a", "b", "c", "d" })
            for (int f = 0; f < 3; f++)
                foreach (var (m, shift) in new[] { ("mean", 0.0), ("bos", -0.1), ("max", 0.05) })
                {
                    string row = string.Create(CultureInfo.InvariantCulture, $"{d},{f},{m},{0.5 + shift + 0.01 * ((i * 7) % 5) + 0.02 * f}");
                    text.Append(edit is null ? row : edit(i, row)).Append('\n');
                    i++;
                }
        return text.ToString();
    }

    /// <summary>Replaces line <paramref name="line"/> (1-based) of <paramref name="text"/>.</summary>
    private static string Line(string text, int line, string replacement)
    {
        var lines = text.Split('\n');
        lines[line - 1] = replacement;
        return string.Join('\n', lines);
    }

    /// <summary>Rewrites a safetensors file with its JSON header edited (the data bytes unchanged).</summary>
    private static void EditSafetensors(string path, Action<JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(path);
        int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        var header = JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        edit(header);
        WriteSafetensors(path, Encoding.UTF8.GetBytes(header.ToJsonString()), bytes.AsSpan(8 + length));
    }

    /// <summary>Writes a safetensors file from a raw header (padded to 8 bytes, as the format asks) and data.</summary>
    private static void WriteSafetensors(string path, byte[] header, ReadOnlySpan<byte> data)
    {
        int padded = (header.Length + 7) / 8 * 8;
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        file.Write(length);
        file.Write(header);
        for (int i = header.Length; i < padded; i++) file.WriteByte((byte)' ');
        file.Write(data);
    }

    private static void SetDtype(JsonObject header, string tensor, string dtype) => header[tensor]!["dtype"] = dtype;

    private static void SetShape(JsonObject header, string tensor, params long[] shape) =>
        header[tensor]!["shape"] = new JsonArray(shape.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());

    private static void EditConfig(string folder, Action<JsonObject> edit)
    {
        var path = System.IO.Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static string Truncate(string path, int bytes)
    {
        var all = File.ReadAllBytes(path);
        File.WriteAllBytes(path, all[..^bytes]);
        return path;
    }

    // ---- command lines -----------------------------------------------------------------------

    // The argv of each command in one place each; --out is an output folder for every command.
    private static string[] Embed(Folder f, string model, string input) =>
        ["embed", "--model", model, "--input", input, "--out", f.Sub("out"), "--device", "cpu", "--long", "truncate"];

    private static string[] EmbedTiny(Folder f, string input) => Embed(f, Golden.TinyFolder, input);

    private static string[] EmbedGood(Folder f, string model) => Embed(f, model, Golden.Fasta);

    private static string[] Evaluate(Folder f, string data, string features = "onehot", params string[] extra) =>
        ["evaluate", "--input", data, "--features", features, "--protocol", "default", "--out", f.Sub("out"), .. extra];

    private static string[] Stats(Folder f, string input, params string[] extra) =>
        ["stats", "--input", input, "--effect", "method", "--random", "Dataset", "--response", "y", "--out", f.Sub("out/stats"), .. extra];

    private static string[] Run(Folder f, string experiment) => ["run", experiment, "--out", f.Sub("out"), "--store", f.Sub("store"), "--jobs", "1"];

    /// <summary>A good experiment file's JSON (one dataset, the tiny ESM-2, mean pooling), one key per line.</summary>
    private static string Experiment(string dataset = "assay.csv", string model = "", string pools = "\"mean\"", string extra = "", string folds = "4") =>
        "{\n" +
        $"  \"datasets\": [{{ \"path\": \"{dataset}\" }}],\n" +
        $"  \"models\": [\"{(model.Length > 0 ? model : Golden.TinyFolder)}\"],\n" +
        $"  \"pools\": [{pools}],\n" +
        extra +
        $"  \"folds\": {folds}\n" +
        "}\n";

    private const string EsmTensor = "esm.encoder.layer.0.intermediate.dense.weight";          // [128, 32]
    private const string EsmCTensor = "transformer.blocks.0.ffn.1.weight";                     // [512, 64]
    private const string AmplifyTensor = "transformer_encoder.0.ffn.w12.weight";               // [352, 64]

    /// <summary>The catalogue.</summary>
    public static readonly Case[] Cases =
    [
        // ---- embed: sequence inputs ----
        new("embed-fasta-empty", f => EmbedTiny(f, f.Write("empty.fasta", "")), "empty.fasta"),
        new("embed-fasta-missing-file", f => EmbedTiny(f, f.Sub("absent.fasta")), "absent.fasta"),
        new("embed-fasta-last-header-without-sequence", f => EmbedTiny(f, f.Write("s.fasta", ">a\nMKTAY\n>b\n")), "s.fasta:3:", "'b'"),
        new("embed-fasta-invalid-residue", f => EmbedTiny(f, f.Write("s.fasta", ">a\nMKTAY\nIAKQR\n>b\nMKTAY\nIAJQR\n")), "s.fasta:6:", "'J'"),
        new("embed-fasta-duplicate-id-other-sequence", f => EmbedTiny(f, f.Write("s.fasta", ">a\nMKTAY\n>b\nMKT\n>a\nMKTAA\n")), "s.fasta:5:", "'a'"),
        new("embed-csv-no-sequence-column", f => EmbedTiny(f, f.Write("s.csv", "id,seq\na,MKTAY\n")), "s.csv:1:", "sequence"),
        new("embed-csv-ragged-row", f => EmbedTiny(f, f.Write("s.csv", "id,sequence\na,MKTAY\nb,MKT,extra\n")), "s.csv:3:"),
        new("embed-csv-invalid-residue", f => EmbedTiny(f, f.Write("s.csv", "id,sequence\na,MKTAY\nb,MK*AY\n")), "s.csv:3:", "'*'"),

        // ---- embed: ESM-2 weights ----
        new("embed-esm2-truncated-safetensors", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            Truncate(Path.Combine(m, "model.safetensors"), 1000);
            return EmbedGood(f, m);
        }, "model.safetensors: truncated"),
        new("embed-esm2-safetensors-header-garbage", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            WriteSafetensors(Path.Combine(m, "model.safetensors"), Encoding.ASCII.GetBytes("this is not a JSON header"), new byte[64]);
            return EmbedGood(f, m);
        }, "model.safetensors", "header"),
        new("embed-esm2-safetensors-header-not-an-object", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            WriteSafetensors(Path.Combine(m, "model.safetensors"), Encoding.ASCII.GetBytes("[1, 2, 3]"), new byte[64]);
            return EmbedGood(f, m);
        }, "model.safetensors", "header"),
        new("embed-esm2-safetensors-entry-garbage", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            EditSafetensors(Path.Combine(m, "model.safetensors"), h => h[EsmTensor]!["shape"] = "128x32");
            return EmbedGood(f, m);
        }, "model.safetensors", EsmTensor),
        new("embed-esm2-wrong-dtype", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            EditSafetensors(Path.Combine(m, "model.safetensors"), h => SetDtype(h, EsmTensor, "I32"));
            return EmbedGood(f, m);
        }, "model.safetensors", EsmTensor),
        new("embed-esm2-unknown-dtype", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            EditSafetensors(Path.Combine(m, "model.safetensors"), h => SetDtype(h, EsmTensor, "F8_E4M3"));
            return EmbedGood(f, m);
        }, "model.safetensors", EsmTensor),
        new("embed-esm2-missing-tensor", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            EditSafetensors(Path.Combine(m, "model.safetensors"), h => h.Remove(EsmTensor));
            return EmbedGood(f, m);
        }, "model", EsmTensor),
        new("embed-esm2-misshapen-tensor", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            EditSafetensors(Path.Combine(m, "model.safetensors"), h => SetShape(h, EsmTensor, 64, 64));
            return EmbedGood(f, m);
        }, "model.safetensors", EsmTensor),
        new("embed-esm2-config-more-layers-than-tensors", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            EditConfig(m, c => c["num_hidden_layers"] = 3);
            return EmbedGood(f, m);
        }, "model: tensor 'esm.encoder.layer.2.", "config"),
        new("embed-esm2-config-other-width", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            EditConfig(m, c => c["hidden_size"] = 64);
            return EmbedGood(f, m);
        }, "model.safetensors", "esm.embeddings.word_embeddings.weight"),
        new("embed-esm2-config-malformed-json", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            File.WriteAllText(Path.Combine(m, "config.json"), "{\n  \"model_type\": \"esm\",\n  \"hidden_size\": 32\n  \"num_hidden_layers\": 2\n}\n");
            return EmbedGood(f, m);
        }, "config.json:4:"),
        new("embed-esm2-config-field-of-wrong-type", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            EditConfig(m, c => c["position_embedding_type"] = 7);
            return EmbedGood(f, m);
        }, "config.json", "position_embedding_type"),
        new("embed-esm2-pt-not-a-zip", f => EmbedGood(f, f.Write("esm2_t6_8M_UR50D.pt", "this is not a PyTorch checkpoint\n")), "esm2_t6_8M_UR50D.pt", "not a zip archive"),

        new("embed-esm2-shard-index-lists-a-missing-shard", f =>
        {
            var m = f.Model(Golden.TinyFolder);
            File.Move(Path.Combine(m, "model.safetensors"), Path.Combine(m, "model-00001-of-00002.safetensors"));
            File.WriteAllText(Path.Combine(m, "model.safetensors.index.json"),
                $"{{\"weight_map\": {{\"{EsmTensor}\": \"model-00001-of-00002.safetensors\", \"lm_head.bias\": \"model-00002-of-00002.safetensors\"}}}}");
            return EmbedGood(f, m);
        }, "model.safetensors.index.json", "model-00002-of-00002.safetensors"),

        // ---- embed: ESM C weights ----
        new("embed-esmc-truncated-safetensors", f =>
        {
            var m = f.Model(EsmCGolden.Folder);
            Truncate(Path.Combine(m, "model.safetensors"), 1000);
            return EmbedGood(f, m);
        }, "model.safetensors: truncated"),
        new("embed-esmc-wrong-dtype", f =>
        {
            var m = f.Model(EsmCGolden.Folder);
            EditSafetensors(Path.Combine(m, "model.safetensors"), h => SetDtype(h, EsmCTensor, "I32"));
            return EmbedGood(f, m);
        }, "model.safetensors", EsmCTensor),
        new("embed-esmc-missing-tensor", f =>
        {
            var m = f.Model(EsmCGolden.Folder);
            EditSafetensors(Path.Combine(m, "model.safetensors"), h => h.Remove(EsmCTensor));
            return EmbedGood(f, m);
        }, "model.safetensors", EsmCTensor),
        new("embed-esmc-config-more-layers-than-tensors", f =>
        {
            var m = f.Model(EsmCGolden.Folder);
            EditConfig(m, c => { c["n_layers"] = 1; c["residue_scaling_factor"] = 1.0 / 6; });
            return EmbedGood(f, m);
        }, "model.safetensors: unexpected tensor 'transformer.blocks.1."),
        new("embed-esmc-config-malformed-json", f =>
        {
            var m = f.Model(EsmCGolden.Folder);
            File.WriteAllText(Path.Combine(m, "config.json"), "{\n  \"model_type\": \"esmc\",\n  \"d_model\": 64,,\n}\n");
            return EmbedGood(f, m);
        }, "config.json:3:"),
        new("embed-esmc-pth-not-a-zip", f =>
        {
            var m = f.Model(EsmCGolden.Folder);
            File.Delete(Path.Combine(m, "model.safetensors"));
            File.WriteAllText(Path.Combine(m, "esmc_tiny.pth"), "not a zip archive");
            return EmbedGood(f, m);
        }, "esmc_tiny.pth", "not a zip archive"),

        // ---- embed: AMPLIFY weights ----
        new("embed-amplify-truncated-safetensors", f =>
        {
            var m = f.Model(AmplifyGolden.Folder);
            Truncate(Path.Combine(m, "model.safetensors"), 1000);
            return EmbedGood(f, m);
        }, "model.safetensors: truncated"),
        new("embed-amplify-misshapen-tensor", f =>
        {
            var m = f.Model(AmplifyGolden.Folder);
            EditSafetensors(Path.Combine(m, "model.safetensors"), h => SetShape(h, AmplifyTensor, 64, 352));
            return EmbedGood(f, m);
        }, "model.safetensors", AmplifyTensor),
        new("embed-amplify-wrong-dtype", f =>
        {
            var m = f.Model(AmplifyGolden.Folder);
            EditSafetensors(Path.Combine(m, "model.safetensors"), h => SetDtype(h, AmplifyTensor, "I32"));
            return EmbedGood(f, m);
        }, "model.safetensors", AmplifyTensor),
        new("embed-amplify-config-other-width", f =>
        {
            var m = f.Model(AmplifyGolden.Folder);
            EditConfig(m, c => { c["hidden_size"] = 128; c["intermediate_size"] = 512; });
            return EmbedGood(f, m);
        }, "model.safetensors", "tensor '"),
        new("embed-amplify-config-malformed-json", f =>
        {
            var m = f.Model(AmplifyGolden.Folder);
            File.WriteAllText(Path.Combine(m, "config.json"), "{\n  \"model_type\": \"AMPLIFY\",\n  \"hidden_size\": 64\n  \"num_hidden_layers\": 2\n}\n");
            return EmbedGood(f, m);
        }, "config.json:4:"),

        new("embed-amplify-vocabulary-shorter-than-config", f =>
        {
            var m = f.Model(AmplifyGolden.Folder);
            var vocab = Path.Combine(m, "amplify_vocab.txt");
            File.WriteAllLines(vocab, File.ReadAllLines(vocab).Where(l => l.Length > 0).SkipLast(1));
            return EmbedGood(f, m);
        }, "amplify_vocab.txt", "config.json"),

        // ---- embed --store ----
        new("embed-store-fasta-invalid-residue", f =>
            [.. EmbedTiny(f, f.Write("s.fasta", ">a\nMKTAY\n>b\nMK1AY\n")), "--store", f.Sub("store")], "s.fasta:4:", "'1'"),

        // ---- evaluate: assay file ----
        new("evaluate-assay-no-target-column", f =>
            Evaluate(f, f.Write("assay.csv", Assay(header: ",ID,mutant,score,sequence")), "onehot", "--format", "swat"), "assay.csv:1:", "target"),
        new("evaluate-assay-non-numeric-target", f =>
            Evaluate(f, f.Write("assay.csv", Assay((i, row) => i == 5 ? row.Replace(",0.5,", ",high,") : row))), "assay.csv:7:", "high"),
        new("evaluate-assay-bad-mutant-string", f =>
            Evaluate(f, f.Write("assay.csv", Assay((i, row) => i == 3 ? row.Replace("A4G", "A4") : row))), "assay.csv:5:", "A4"),
        new("evaluate-assay-mutant-disagrees-with-wild-type", f =>
            Evaluate(f, f.Write("assay.csv", Assay((i, row) => i == 8 ? row.Replace(",Q9A,", ",W9A,") : row))), "assay.csv:10:"),
        new("evaluate-assay-missing-file", f => Evaluate(f, f.Sub("absent.csv")), "absent.csv"),

        // ---- evaluate: feature table ----
        new("evaluate-features-missing-id", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), f.Write("features.csv", Features((i, row) => i == 4 ? "" : row).Replace("\n\n", "\n"))), "features.csv", "v5"),
        new("evaluate-features-non-numeric-value", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), f.Write("features.csv", Features((i, row) => i == 6 ? "v7,0.6,n/a" : row))), "features.csv:8:", "n/a"),
        new("evaluate-features-ragged-row", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), f.Write("features.csv", Features((i, row) => i == 2 ? "v3,0.2" : row))), "features.csv:4:"),

        new("evaluate-features-duplicate-id", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), f.Write("features.csv", Features((i, row) => i == 7 ? "v3,0.7,0.5" : row))), "features.csv:9:", "v3"),
        new("evaluate-embed-folder-non-numeric-component", f =>
        {
            var layer = Features((i, row) => i == 12 ? "v13,1.2,inf" : row).Replace("id,f1,f2", "id,c0,c1");
            f.Write("emb/layer2.mean.csv", layer);
            return Evaluate(f, f.Write("assay.csv", Assay()), f.Sub("emb"));
        }, "layer2.mean.csv:14:", "inf"),

        // ---- evaluate: fold file ----
        new("evaluate-folds-missing-id", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), "onehot", "--folds", f.Write("folds.csv", Folds((i, row) => i == 9 ? "" : row).Replace("\n\n", "\n"))), "folds.csv", "v10"),
        new("evaluate-folds-non-integer-fold", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), "onehot", "--folds", f.Write("folds.csv", Folds((i, row) => i == 11 ? "v12,1.5" : row))), "folds.csv:13:", "1.5"),
        new("evaluate-folds-single-fold", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), "onehot", "--folds", f.Write("folds.csv", Folds((i, row) => $"v{i + 1},3"))), "folds.csv"),

        // ---- evaluate: zero-shot scores as features ----
        new("evaluate-zero-shot-missing-id", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), "zero-shot", "--zero-shot",
                f.Write("scores.csv", Features((i, row) => i == 6 ? "" : $"v{i + 1},A1G,{i}").Replace("id,f1,f2", "id,mutant,score").Replace("\n\n", "\n"))),
            "scores.csv", "v7"),
        new("evaluate-zero-shot-non-numeric-score", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), "onehot", "--zero-shot",
                f.Write("scores.csv", Features((i, row) => i == 4 ? "v5,K5A,n/a" : $"v{i + 1},A1G,{i}").Replace("id,f1,f2", "id,mutant,score"))),
            "scores.csv:6:", "n/a"),

        // ---- evaluate: ProteinGym's split schemes ----
        new("evaluate-folds-unknown-proteingym-scheme", f =>
            Evaluate(f, f.Write("assay.csv", Assay()), "onehot", "--folds", "proteingym-blocks"), "proteingym-blocks", "proteingym-contiguous"),
        new("evaluate-folds-proteingym-modulo-multi-mutant", f =>
            Evaluate(f, f.Write("assay.csv", Assay((i, row) => i == 1 ? $"1,v2,K2A:T3A,0.5,M{"AA"}{Wt[3..]}" : row)), "onehot", "--folds", "proteingym-modulo"),
            "assay.csv", "fold_modulo_5", "single mutants only"),

        // ---- stats ----
        new("stats-missing-response-column", f => Stats(f, f.Write("tidy.csv", Tidy().Replace("Dataset,Fold,method,y", "Dataset,Fold,method,R2"))), "tidy.csv:1:", "'y'"),
        new("stats-non-numeric-response", f => Stats(f, f.Write("tidy.csv", Tidy((i, row) => i == 10 ? "d,0,mean,high" : row))), "tidy.csv:12:", "high"),
        new("stats-unknown-reference-level", f => Stats(f, f.Write("tidy.csv", Tidy()), "--reference", "median"), "tidy.csv", "median"),
        new("stats-ragged-row", f => Stats(f, f.Write("tidy.csv", Tidy((i, row) => i == 3 ? "b,1" : row))), "tidy.csv:5:"),

        new("stats-empty-file", f => Stats(f, f.Write("tidy.csv", "")), "tidy.csv"),
        new("stats-unclosed-quote", f => Stats(f, f.Write("tidy.csv", Tidy((i, row) => i == 20 ? "\"c,1,mean,0.5" : row))), "tidy.csv:22:"),

        // ---- run: experiment file ----
        new("run-json-malformed", f =>
        {
            f.Write("assay.csv", Assay());
            return Run(f, f.Write("exp.json", Experiment().Replace("\"pools\": [\"mean\"],", "\"pools\": [\"mean\"]")));
        }, "exp.json:5:"),
        new("run-toml-malformed", f =>
        {
            f.Write("assay.csv", Assay());
            return Run(f, f.Write("exp.toml", $"models = [\"{Golden.TinyFolder}\"]\nfolds = 4\npools = [\"mean\"\n[[datasets]]\npath = \"assay.csv\"\n"));
        }, "exp.toml:4:"),
        new("run-unknown-key", f =>
        {
            f.Write("assay.csv", Assay());
            return Run(f, f.Write("exp.json", Experiment(extra: "  \"layerz\": [1],\n")));
        }, "exp.json:5:", "layerz"),
        new("run-folds-unknown-proteingym-scheme", f =>
        {
            f.Write("assay.csv", Assay());
            return Run(f, f.Write("exp.json", Experiment(folds: "\"proteingym-blocks\"")));
        }, "exp.json", "proteingym-blocks"),
        new("run-missing-dataset-file", f => Run(f, f.Write("exp.json", Experiment(dataset: "absent.csv"))), "exp.json", "absent.csv"),
        new("run-unknown-model", f =>
        {
            f.Write("assay.csv", Assay());
            return Run(f, f.Write("exp.json", Experiment(model: "esm9_nothing")));
        }, "exp.json", "esm9_nothing"),
        new("run-unknown-pool", f =>
        {
            f.Write("assay.csv", Assay());
            return Run(f, f.Write("exp.json", Experiment(pools: "\"mean\", \"meen\"")));
        }, "exp.json", "meen"),
        new("run-bad-assay-in-dataset", f =>
        {
            f.Write("assay.csv", Assay((i, row) => i == 2 ? row.Replace("T3A", "T3") : row));
            return Run(f, f.Write("exp.json", Experiment()));
        }, "assay.csv:4:"),

        new("run-experiment-file-missing", f => Run(f, f.Sub("absent.json")), "absent.json"),
        new("run-unknown-protocol", f =>
        {
            f.Write("assay.csv", Assay());
            return Run(f, f.Write("exp.json", Experiment(extra: "  \"protocols\": [\"paperish\"],\n")));
        }, "exp.json", "paperish"),
        new("run-dataset-format-unknown", f =>
        {
            f.Write("assay.csv", Assay());
            return Run(f, f.Write("exp.json", Experiment().Replace("\"path\": \"assay.csv\"", "\"path\": \"assay.csv\", \"format\": \"excel\"")));
        }, "exp.json", "excel"),

        // ---- store ----
        new("store-info-not-a-store", f => ["store", "info", Directory.CreateDirectory(f.Sub("nostore")).FullName], "nostore"),
        new("store-export-damaged-database", f =>
        {
            f.Write("store/embeddings.sqlite", "this is not an SQLite database, just text that fills the first page of the file\n");
            return ["store", "export", f.Sub("store"), "--out", f.Sub("out")];
        }, "embeddings.sqlite"),
        new("store-merge-source-not-a-store", f =>
            ["store", "merge", f.Sub("out"), Directory.CreateDirectory(f.Sub("nostore")).FullName], "nostore"),

        // ---- properties, datasets ----
        new("properties-fasta-invalid-residue", f =>
            ["properties", "--input", f.Write("p.fasta", ">p1\nMKTAY\n>p2\nMK#AY\n"), "--out", f.Sub("out/properties.csv")], "p.fasta:4:", "'#'"),
        new("properties-fasta-text-before-header", f =>
            ["properties", "--input", f.Write("p.fasta", "MKTAY\n>p1\nMKTAY\n"), "--out", f.Sub("out/properties.csv")], "p.fasta:1:"),
        new("datasets-fetch-damaged-local-copy", f =>
        {
            f.Write("data/dms/IF1_ECOLI.csv", Assay());
            return ["datasets", "fetch", "IF1_ECOLI", "--offline", "--data-dir", f.Sub("data"), "--cache", f.Sub("cache")];
        }, "IF1_ECOLI.csv"),

        // ---- figures ----
        new("figures-non-numeric-estimate", f =>
        {
            var table = string.Join('\n', File.ReadLines(Path.Combine(SharedData.Swat, "reference", "dms_compression_glht.csv")).Take(6)) + "\n";
            return ["figures", "--kind", "compression", "--no-png", "--input", f.Write("glht.csv", Line(table, 4, "\"iDCT2\",about -0.1,0.01,-13.7,0,-0.17,-0.11")), "--out", f.Sub("out")];
        }, "glht.csv:4:", "about -0.1"),
        new("figures-ragged-row", f =>
        {
            var table = string.Join('\n', File.ReadLines(Path.Combine(SharedData.Swat, "reference", "dms_compression_glht.csv")).Take(6)) + "\n";
            return ["figures", "--kind", "compression", "--no-png", "--input", f.Write("glht.csv", Line(table, 3, "\"iDCT1\",-0.18")), "--out", f.Sub("out")];
        }, "glht.csv:3:"),
    ];

    public static TheoryData<string> Names => new(Cases.Select(c => c.Name));

    private static Case Find(string name) => Cases.Single(c => c.Name == name);

    [Fact]
    public void CatalogueIsLargeAndNamesAreUnique()
    {
        Assert.True(Cases.Length >= 40, $"{Cases.Length} cases");
        Assert.Equal(Cases.Length, Cases.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void BadInputIsOneLineExitCode2AndLeavesNothing(string name)
    {
        var c = Find(name);
        using var folder = new Folder();
        var args = c.Setup(folder);
        var before = FilesUnder(folder.Path);
        int code;
        string stdout, stderr;
        try
        {
            (code, stdout, stderr) = CliRunner.Run(args);
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: {e.GetType().Name} escaped the command line: {e.Message}");
            throw;
        }
        AssertContract(c, folder, args, before, code, stdout, stderr);
    }

    [Theory]
    [InlineData("embed-esm2-truncated-safetensors")]
    [InlineData("evaluate-assay-non-numeric-target")]
    [InlineData("run-json-malformed")]
    public void AsAProcessTheExitCodeIs2AndNoTraceIsPrinted(string name)
    {
        var c = Find(name);
        using var folder = new Folder();
        var args = c.Setup(folder);
        var before = FilesUnder(folder.Path);
        using var process = CliProcess.Start(args);
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"{name}: plmkit did not finish in 2 minutes");
        AssertContract(c, folder, args, before, process.ExitCode, process.Stdout, process.Stderr);
    }

    private static void AssertContract(Case c, Folder folder, string[] args, string[] before, int code, string stdout, string stderr)
    {
        string context = $"{c.Name}: exit {code}\nstderr: {stderr}\nstdout: {stdout}";
        Assert.True(code == 2, context);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, context);
        var line = lines[0].TrimEnd('\r');
        Assert.StartsWith("plmkit: error: ", line);
        foreach (var expected in c.Expect)
            Assert.True(line.Contains(expected, StringComparison.Ordinal), $"{c.Name}: '{expected}' not in: {line}");
        Assert.DoesNotContain("   at ", stderr + stdout);
        Assert.DoesNotContain("Exception", stderr + stdout);
        Assert.True(stdout.Length == 0, $"{c.Name}: a report on stdout: {stdout}");

        int outAt = Array.IndexOf(args, "--out");
        if (outAt >= 0) AssertNothingAt(c.Name, args[outAt + 1]);
        var left = FilesUnder(folder.Path).Except(before).ToList();
        Assert.True(left.Count == 0, $"{c.Name}: left behind: {string.Join(", ", left)}");
    }

    /// <summary>An output target (a file, a folder, or a prefix of files) holds no file.</summary>
    private static void AssertNothingAt(string name, string target)
    {
        Assert.False(File.Exists(target), $"{name}: {target} was written");
        if (Directory.Exists(target))
            Assert.True(FilesUnder(target).Length == 0, $"{name}: files in {target}: {string.Join(", ", FilesUnder(target))}");
        var parent = Path.GetDirectoryName(target);
        if (parent is not null && Directory.Exists(parent))
        {
            var prefixed = Directory.GetFiles(parent, Path.GetFileName(target) + "*");
            Assert.True(prefixed.Length == 0, $"{name}: written beside the target: {string.Join(", ", prefixed)}");
        }
    }

    private static string[] FilesUnder(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(dir, p)).Order(StringComparer.Ordinal).ToArray();
}
