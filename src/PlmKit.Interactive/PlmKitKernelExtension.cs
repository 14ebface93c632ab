using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using PlmKit.Figures;

namespace PlmKit.Interactive;

/// <summary>
/// The .NET Interactive kernel extension of the PlmKit.Interactive package: loaded by the kernel
/// itself when a notebook runs <c>#r "nuget: PlmKit.Interactive, …"</c> (the package carries this
/// assembly in <c>interactive-extensions/dotnet/</c>). It registers PlmKit's formatters
/// (<see cref="NotebookFormatters"/>) and puts the local plotly.js on the page once.
/// </summary>
public sealed class PlmKitKernelExtension : IKernelExtension
{
    /// <summary>Registers the formatters and loads plotly.js into the notebook's page.</summary>
    /// <param name="kernel">The kernel loading the package (the root kernel in a notebook).</param>
    public Task OnLoadAsync(Kernel kernel)
    {
        NotebookDisplay.UnifyLoadedAssemblies();
        NotebookFormatters.Register();
        // Microsoft.Data.Analysis (a dependency) brings an extension of its own whose DataFrame
        // formatter prints every digit; the kernel loads it after this one, and the latest
        // registration wins. Registering PlmKit's again before the next command runs puts it back on top.
        bool registeredAfterOthers = false;
        kernel.AddMiddleware(async (command, context, next) =>
        {
            if (!registeredAfterOthers)
            {
                NotebookFormatters.Register();
                registeredAfterOthers = true;
            }
            await next(command, context);
        });
        if (KernelInvocationContext.Current is { } context)
        {
            // The page runs plotly.js when the output arrives; the update then replaces the 3.5 MB
            // output by a note, so the saved notebook stays small while the page keeps window.Plotly.
            string valueId = "plmkit-plotly-" + Guid.NewGuid().ToString("N");
            context.Publish(new DisplayedValueProduced(NotebookDisplay.PlotlyNote, context.Command,
                [new FormattedValue("text/html", NotebookDisplay.PlotlyScript())], valueId));
            context.Publish(new DisplayedValueUpdated(NotebookDisplay.PlotlyNote, valueId, context.Command,
                [new FormattedValue("text/html", NotebookDisplay.PlotlyNote)]));
        }
        return Task.CompletedTask;
    }
}
