using PlmKit.Data;

namespace PlmKit.Tests.Data;

public class MutationsTests
{
    [Fact]
    public void ParsesSinglesMultiplesAndWildType()
    {
        Assert.Equal([new Substitution('H', 24, 'C')], Mutations.Parse("H24C").ToArray());
        Assert.Equal([new Substitution('A', 24, 'C'), new Substitution('G', 30, 'W')], Mutations.Parse("A24C:G30W").ToArray());
        Assert.Empty(Mutations.Parse("WT"));
        Assert.Empty(Mutations.Parse("wt"));
        Assert.Empty(Mutations.Parse("_wt"));
        Assert.Empty(Mutations.Parse(""));
        Assert.Equal("A24C", new Substitution('A', 24, 'C').ToString());
    }

    [Theory]
    [InlineData("A0C", "not 1-based")]
    [InlineData("a24c", "not a substitution")]
    [InlineData("A24", "not a substitution")]
    [InlineData("A24C;G30W", "not a substitution")]
    [InlineData("A24C:A24G", "names position 24 twice")]
    public void RejectsMalformedMutants(string mutant, string problem) =>
        Assert.Contains(problem, Assert.Throws<InputException>(() => Mutations.Parse(mutant)).Message);

    [Fact]
    public void RebuildsTheWildType()
    {
        Assert.Equal("MKTAYIAKQR", Mutations.WildType("MATAYIAKQW", "K2A:R10W"));
        Assert.Equal("MKTAYIAKQR", Mutations.WildType("MKTAYIAKQR", "WT"));
        Assert.Equal("MKTAYIAKQR", Mutations.WildType("MATAYIAKQR", "K1A", offset: 1));
        Assert.Contains("the sequence has 'K'", Assert.Throws<InputException>(() => Mutations.WildType("MKTAYIAKQR", "K2A")).Message);
    }

    [Fact]
    public void SitesAreSortedPositions()
    {
        Assert.Equal([24, 30], Mutations.Sites("G30W:A24C").ToArray());
        Assert.Empty(Mutations.Sites("WT"));
        Assert.Empty(Mutations.Sites(null));
    }

    [Fact]
    public void GroupsVariantsBySite()
    {
        ProteinRecord R(string m) => new(m, "M", 0, m);
        var assay = new Assay("toy", "", [R("A24C"), R("A24W"), R("G30W"), R("A24C:G30W"), R("L5P"), R("WT"), R("wt")]);
        Assert.Equal([0, 0, 1, 2, 3, 4, 4], SiteGroups.Of(assay));
        Assert.Equal([0, 0, 0, 0, 1, 2, 2], SiteGroups.Of(assay, SiteGrouping.Connected));
        var noMutants = new Assay("x", "f.csv", [new ProteinRecord("a", "M", 0, SourceLine: 2)]);
        Assert.Contains("no mutant string", Assert.Throws<InputException>(() => SiteGroups.Of(noMutants)).Message);
    }
}
