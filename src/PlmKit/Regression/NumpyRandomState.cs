namespace PlmKit.Regression;

/// <summary>
/// The parts of numpy's legacy <c>numpy.random.RandomState</c> that scikit-learn's
/// <c>KFold(shuffle=True, random_state=seed)</c> uses: MT19937 seeded from one 32-bit integer
/// (<c>mt19937_seed</c>, Knuth's init_genrand) and <c>shuffle</c> of a 1-D array, which draws
/// with <c>random_interval</c> (mask to the next power of two, reject above the bound).
/// Written by hand because reproducing the study's folds needs numpy's exact stream.
/// </summary>
internal sealed class NumpyRandomState
{
    private const int N = 624, M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _pos;

    /// <summary>Seeds like <c>RandomState(seed)</c> for an integer seed in [0, 2³²).</summary>
    public NumpyRandomState(uint seed)
    {
        _mt[0] = seed;
        for (var i = 1; i < N; i++)
            _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _pos = N;
    }

    /// <summary>Next 32-bit output of MT19937.</summary>
    public uint NextUInt32()
    {
        if (_pos >= N) Generate();
        var y = _mt[_pos++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>numpy's <c>random_interval(max)</c>: uniform in [0, max] by masked rejection.</summary>
    public uint Interval(uint max)
    {
        if (max == 0) return 0;
        var mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        uint value;
        while ((value = NextUInt32() & mask) > max) { }
        return value;
    }

    /// <summary><c>RandomState.shuffle</c> of a 1-D array (Fisher–Yates from the end).</summary>
    public void Shuffle<T>(T[] items)
    {
        for (var i = items.Length - 1; i >= 1; i--)
        {
            var j = (int)Interval((uint)i);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private void Generate()
    {
        for (var k = 0; k < N; k++)
        {
            var y = (_mt[k] & 0x80000000u) | (_mt[(k + 1) % N] & 0x7fffffffu);
            _mt[k] = _mt[(k + M) % N] ^ (y >> 1) ^ ((y & 1u) != 0 ? 0x9908b0dfu : 0u);
        }
        _pos = 0;
    }
}
