namespace PlmKit;

/// <summary>
/// Root of PlmKit's exception hierarchy. Everything PlmKit throws on purpose derives from it,
/// so callers (the CLI, notebooks) can turn any of them into one clear line; anything else
/// is a bug.
/// </summary>
public class PlmKitException : Exception
{
    /// <summary>Creates an exception with a message meant for the user.</summary>
    public PlmKitException(string message) : base(message) { }

    /// <summary>Creates an exception with a message meant for the user and its cause.</summary>
    public PlmKitException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Bad input data: a file that cannot be read or a value that breaks a rule. The message names
/// the file and, where there is one, the 1-based line, so the user can go straight to it.
/// </summary>
public class InputException : PlmKitException
{
    /// <summary>File the problem is in, or null when the input did not come from a file.</summary>
    public string? File { get; }

    /// <summary>1-based line number in <see cref="File"/>, or null when not line-specific.</summary>
    public int? Line { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Problem { get; }

    /// <summary>Creates an input error located at <paramref name="file"/>:<paramref name="line"/>.</summary>
    public InputException(string? file, int? line, string problem)
        : base(Format(file, line, problem))
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>Creates an input error with no file location.</summary>
    public InputException(string problem) : this(null, null, problem) { }

    private static string Format(string? file, int? line, string problem) => (file, line) switch
    {
        (null, _) => problem,
        (_, null) => $"{file}: {problem}",
        _ => $"{file}:{line}: {problem}",
    };
}

/// <summary>Invalid options or arguments (a bad value, an impossible combination).</summary>
public class ConfigurationException : PlmKitException
{
    /// <summary>Creates a configuration error with a message meant for the user.</summary>
    public ConfigurationException(string message) : base(message) { }
}

/// <summary>
/// A model that cannot be found or loaded: missing files, a damaged checkpoint, a tensor with
/// the wrong name or shape. The message says which file and which tensor.
/// </summary>
public class ModelLoadException : PlmKitException
{
    /// <summary>Creates a model-loading error with a message meant for the user.</summary>
    public ModelLoadException(string message) : base(message) { }

    /// <summary>Creates a model-loading error with its cause.</summary>
    public ModelLoadException(string message, Exception inner) : base(message, inner) { }
}
