using PlmKit.Figures;

namespace PlmKit.Tests.Figures;

/// <summary>The gallery's links open files whose names need URL escaping (a user's rendered notebook pages).</summary>
public sealed class GalleryLinkTests
{
    [Fact]
    public void NotebookAndTableLinksAreUrlEscapedPerSegment()
    {
        var html = Gallery.Html([], ["tables/a b.csv"], ["notebooks/nb#2 draft.html"], []);
        Assert.Contains("href=\"notebooks/nb%232%20draft.html\"", html);
        Assert.Contains("href=\"tables/a%20b.csv\"", html);
        Assert.Contains(">nb#2 draft<", html);
    }
}
