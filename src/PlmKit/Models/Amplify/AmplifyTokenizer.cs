using System.Text.Json;

namespace PlmKit.Models.Amplify;

/// <summary>
/// AMPLIFY's tokenizer (chandar-lab <c>ProteinTokenizer</c>; the hub's <c>tokenizer.json</c>): one
/// token per character between <c>&lt;bos&gt;</c> and <c>&lt;eos&gt;</c>; letters without a token of
/// their own (X U Z O in the released vocabulary) become <c>&lt;unk&gt;</c>. The vocabulary is the
/// model folder's (<c>amplify_vocab.txt</c>, else <c>tokenizer.json</c>'s <c>model.vocab</c>), else
/// the released one (<see cref="ReleasedVocabulary"/>).
/// </summary>
public sealed class AmplifyTokenizer : IProteinTokenizer
{
    /// <summary>
    /// The released vocabulary (<c>conf/tokenizer/amplify_vocab.txt</c>, line index = id):
    /// <c>&lt;pad&gt;</c>=0 <c>&lt;unk&gt;</c>=1 <c>&lt;mask&gt;</c>=2 <c>&lt;bos&gt;</c>=3
    /// <c>&lt;eos&gt;</c>=4 <c>|</c>=5, then <c>L A G V S E R T I D P K Q N F Y M H W C B</c> = 6..26.
    /// </summary>
    public static IReadOnlyList<string> ReleasedVocabulary { get; } =
    [
        "<pad>", "<unk>", "<mask>", "<bos>", "<eos>", "|",
        "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y", "M", "H", "W", "C", "B",
    ];

    /// <summary>The released tokenizer (ids as <see cref="ReleasedVocabulary"/>).</summary>
    public static AmplifyTokenizer Released { get; } =
        // Only the config's token ids are read, and AMPLIFYConfig's defaults are the released ones.
        new(ReleasedVocabulary, new AmplifyConfig(HiddenSize: 1, Layers: 1, Heads: 1, IntermediateSize: 1), "the released AMPLIFY vocabulary");

    // Index by ASCII code of a residue letter → token id (unk for letters without a token); -1 = not a residue letter.
    private readonly long[] letterToToken = new long[128];

    /// <summary>Builds a tokenizer over <paramref name="vocabulary"/> with the special-token ids of <paramref name="config"/>.</summary>
    /// <param name="vocabulary">Tokens by id.</param>
    /// <param name="config">Where <c>&lt;pad&gt;</c>, <c>&lt;unk&gt;</c>, <c>&lt;mask&gt;</c>, <c>&lt;bos&gt;</c> and <c>&lt;eos&gt;</c> sit.</param>
    /// <param name="source">Where the vocabulary came from, for messages.</param>
    /// <exception cref="ModelLoadException">A special-token id does not name that token in the vocabulary.</exception>
    public AmplifyTokenizer(IReadOnlyList<string> vocabulary, AmplifyConfig config, string source)
    {
        Vocabulary = vocabulary.ToArray();
        foreach (var (name, id, token) in new[]
                 {
                     ("pad_token_id", config.PadTokenId, "<pad>"), ("unk_token_id", config.UnkTokenId, "<unk>"),
                     ("mask_token_id", config.MaskTokenId, "<mask>"), ("bos_token_id", config.BosTokenId, "<bos>"),
                     ("eos_token_id", config.EosTokenId, "<eos>"),
                 })
            if (id < 0 || id >= Vocabulary.Count || Vocabulary[id] != token)
                throw new ModelLoadException($"{source}: {name} {id} is not '{token}' in this vocabulary of {Vocabulary.Count} tokens.");
        Pad = config.PadTokenId;
        Unk = config.UnkTokenId;
        Mask = config.MaskTokenId;
        Bos = config.BosTokenId;
        Eos = config.EosTokenId;
        Array.Fill(letterToToken, -1L);
        foreach (var letter in ResidueAlphabet.Letters) letterToToken[letter] = Unk;
        for (int id = 0; id < Vocabulary.Count; id++)
            if (Vocabulary[id].Length == 1 && ResidueAlphabet.IsResidue(Vocabulary[id][0]))
                letterToToken[Vocabulary[id][0]] = id;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Vocabulary { get; }

    /// <inheritdoc/>
    public long Pad { get; }

    /// <summary>Id of <c>&lt;unk&gt;</c>, the token of residue letters without one of their own.</summary>
    public long Unk { get; }

    /// <summary>Id of <c>&lt;mask&gt;</c>.</summary>
    public long Mask { get; }

    /// <summary>Id of <c>&lt;bos&gt;</c>, prepended to every sequence (position 0).</summary>
    public long Bos { get; }

    /// <summary>Id of <c>&lt;eos&gt;</c>, appended after the residues.</summary>
    public long Eos { get; }

    /// <inheritdoc/>
    public long[] Tokenize(string sequence, int? maxResidues = null)
    {
        int n = Math.Min(sequence.Length, maxResidues ?? int.MaxValue);
        var tokens = new long[n + 2];
        tokens[0] = Bos;
        for (int i = 0; i < n; i++)
        {
            char c = sequence[i];
            long t = c < 128 ? letterToToken[c] : -1;
            if (t < 0) throw new InputException($"character '{c}' at position {i + 1} is not an amino-acid letter ({ResidueAlphabet.Letters}).");
            tokens[i + 1] = t;
        }
        tokens[n + 1] = Eos;
        return tokens;
    }

    /// <summary>
    /// The tokenizer of a model folder: <c>amplify_vocab.txt</c> (one token per line, line index =
    /// id), else the <c>model.vocab</c> object of the hub's <c>tokenizer.json</c>, else the released
    /// vocabulary. The vocabulary must have <see cref="AmplifyConfig.VocabSize"/> tokens.
    /// </summary>
    /// <param name="folder">The model folder (where <c>config.json</c> is).</param>
    /// <param name="config">The folder's config (special-token ids, vocabulary size).</param>
    /// <param name="configPath">The config file, for messages.</param>
    /// <exception cref="ModelLoadException">An unreadable vocabulary file, or one that disagrees with the config.</exception>
    public static AmplifyTokenizer ForFolder(string folder, AmplifyConfig config, string configPath)
    {
        var txt = Path.Combine(folder, "amplify_vocab.txt");
        var json = Path.Combine(folder, "tokenizer.json");
        var (vocabulary, source) = File.Exists(txt) ? (ReadVocabTxt(txt), txt)
            : File.Exists(json) ? (ReadTokenizerJson(json), json)
            : (ReleasedVocabulary, "the released AMPLIFY vocabulary");
        if (vocabulary.Count != config.VocabSize)
            throw new ModelLoadException($"{configPath}: vocab_size is {config.VocabSize}, but {source} has {vocabulary.Count} tokens.");
        return new AmplifyTokenizer(vocabulary, config, source);
    }

    private static IReadOnlyList<string> ReadVocabTxt(string path)
    {
        var lines = File.ReadAllLines(path).ToList();
        // A final newline is not a token.
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Any(l => l.Length == 0)) throw new ModelLoadException($"{path}: empty line inside the vocabulary (one token per line).");
        return lines;
    }

    private static IReadOnlyList<string> ReadTokenizerJson(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var vocab = doc.RootElement.GetProperty("model").GetProperty("vocab");
            var byId = new SortedDictionary<int, string>();
            foreach (var entry in vocab.EnumerateObject())
                if (!byId.TryAdd(entry.Value.GetInt32(), entry.Name))
                    throw new ModelLoadException($"{path}: token id {entry.Value.GetInt32()} is given twice in model.vocab.");
            if (byId.Count == 0 || byId.Keys.First() != 0 || byId.Keys.Last() != byId.Count - 1)
                throw new ModelLoadException($"{path}: model.vocab ids are not 0..{byId.Count - 1}.");
            return byId.Values.ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException($"{path}: no readable 'model.vocab' object of token → id ({e.Message}).");
        }
    }
}
