using PlmKit.Experiments;

namespace PlmKit.Tests.Experiments;

public class ShardTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData("0/16", 0, 16)]
    public void Parses_i_of_N(string text, int index, int count)
    {
        Assert.Equal(new Shard(index, count), Shard.Parse(text));
        Assert.Equal(text, Shard.Parse(text).ToString());
    }

    [Theory]
    [InlineData("4/4")]
    [InlineData("1/0")]
    [InlineData("-1/4")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    [InlineData("")]
    public void Rejects_malformed_or_out_of_range(string text)
    {
        var e = Assert.Throws<ConfigurationException>(() => Shard.Parse(text));
        Assert.Contains("--shard", e.Message);
    }

    [Fact]
    public void N_shards_cover_every_key_exactly_once_and_evenly()
    {
        var keys = Enumerable.Range(0, 8000).Select(i => $"key-{i}").ToList();
        const int n = 4;
        var shards = Enumerable.Range(0, n).Select(i => new Shard(i, n)).ToList();
        foreach (var key in keys)
            Assert.Equal(1, shards.Count(s => s.Contains(key)));
        foreach (var s in shards)
        {
            int size = keys.Count(s.Contains);
            Assert.InRange(size, 1800, 2200); // 2000 expected; SHA-256 spreads keys uniformly
        }
    }

    [Fact]
    public void Assignment_is_sha256_based_and_stable_across_processes()
    {
        // First 8 bytes of SHA-256 as a big-endian integer, modulo N, as Python's hashlib gives:
        // int.from_bytes(hashlib.sha256(b"MKTAYIAKQR").digest()[:8], "big") % 4 == 0, % 7 == 4.
        Assert.Equal(0, Shard.Of("MKTAYIAKQR", 4));
        Assert.Equal(4, Shard.Of("MKTAYIAKQR", 7));
        Assert.Equal(1, Shard.Of("shard-key-0", 4));
        Assert.Equal(3, Shard.Of("shard-key-0", 7));
        Assert.True(Shard.All.Contains("anything"));
    }
}
