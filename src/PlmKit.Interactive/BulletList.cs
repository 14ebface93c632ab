namespace PlmKit.Interactive;

/// <summary>
/// Sentences to show as a bulleted list in a notebook (HTML <c>ul</c>; one line each as text), e.g.
/// an answer written from computed numbers. Notebooks use it instead of the kernel's
/// <c>HTML(…)</c>, whose compilation warns (CS1701) about the kernel's own Html.Abstractions version.
/// </summary>
/// <param name="Items">The sentences, plain text (HTML-encoded when shown).</param>
public sealed record BulletList(IReadOnlyList<string> Items)
{
    /// <summary>The list as HTML.</summary>
    public string ToHtml() => "<ul>" + string.Concat(Items.Select(i => "<li>" + System.Net.WebUtility.HtmlEncode(i) + "</li>")) + "</ul>";

    /// <summary>The list as text, one "- " line per item.</summary>
    public override string ToString() => string.Join("\n", Items.Select(i => "- " + i));
}
