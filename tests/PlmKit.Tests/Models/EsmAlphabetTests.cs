using PlmKit.Models;
using PlmKit.Models.Esm;

namespace PlmKit.Tests.Models;

public class EsmAlphabetTests
{
    [Fact]
    public void TokensAreFairEsmsVocabulary()
    {
        var vocab = File.ReadAllLines(Path.Combine(Golden.TinyFolder, "vocab.txt")).Where(l => l.Length > 0).ToList();
        Assert.Equal(vocab, EsmAlphabet.Tokens);
        Assert.Equal(33, EsmAlphabet.Tokens.Count);
        Assert.Equal("<mask>", EsmAlphabet.Tokens[EsmAlphabet.Mask]);
    }

    [Fact]
    public void TokenizeAddsClsAndEosAndTruncatesResiduesFirst()
    {
        Assert.Equal([0L, 20, 15, 11, 5, 19, 2], EsmAlphabet.Tokenize("MKTAY"));
        Assert.Equal([0L, 20, 15, 2], EsmAlphabet.Tokenize("MKTAY", maxResidues: 2));
        Assert.Equal([0L, 24, 25, 26, 27, 28, 2], EsmAlphabet.Tokenize("XBUZO"));
    }

    [Fact]
    public void ValidationListsIdsAndPositions()
    {
        var e = Assert.Throws<InputException>(() => ResidueAlphabet.Validate(
            [("ok", "MKT"), ("low", "MkTa"), ("gap", "M-K.T"), ("odd", "MK*T1"), ("empty", "")], "in.fasta"));
        Assert.StartsWith("in.fasta: 4 invalid sequences:", e.Message);
        Assert.Contains("'low' has lowercase letters at 2,4", e.Message);
        Assert.Contains("'gap' has gaps at 2,4", e.Message);
        Assert.Contains("'odd' has unknown characters '*' at 3, '1' at 5", e.Message);
        Assert.Contains("'empty' is empty", e.Message);
        Assert.DoesNotContain("'ok'", e.Message);
    }

    [Fact]
    public void ValidSequencesPass() => ResidueAlphabet.Validate([("a", EsmAlphabet.ResidueLetters)]);
}
