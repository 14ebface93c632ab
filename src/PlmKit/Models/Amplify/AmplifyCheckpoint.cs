namespace PlmKit.Models.Amplify;

/// <summary>Loads AMPLIFY weights. (Being written: see the AMPLIFY helper's task.)</summary>
public static class AmplifyCheckpoint
{
    /// <summary>Loads an AMPLIFY model.</summary>
    public static LoadedModel Load(string path) => throw new ModelLoadException($"{path}: AMPLIFY loading is not written yet.");
}
