using MathNet.Numerics.LinearAlgebra;

namespace PlmKit.Regression;

/// <summary>
/// A cross-validated linear regressor with scikit-learn's shape: <see cref="Fit"/> chooses its
/// regularisation on the training rows and returns a fitted model.
/// </summary>
public interface IRegressor
{
    /// <summary>The canonical key written in the results' <c>Regressor</c> column (<see cref="RegressorSpec.Key"/>: <c>lasso</c>, <c>lasso(tol=0.001)</c>, <c>ridge</c>).</summary>
    string Name { get; }

    /// <summary>Fits on X (n_samples × n_features) and y (n_samples), both finite.</summary>
    /// <exception cref="ArgumentException">Shapes disagree or there are too few rows for the inner CV.</exception>
    /// <exception cref="InputException">X or y holds NaN or infinity.</exception>
    IRegressionModel Fit(Matrix<double> x, IReadOnlyList<double> y);
}

/// <summary>A fitted linear model: y ≈ X·coef + intercept.</summary>
public interface IRegressionModel
{
    /// <summary>The chosen regularisation strength (scikit-learn's <c>alpha_</c>).</summary>
    double Alpha { get; }

    /// <summary>Coefficients, one per feature.</summary>
    IReadOnlyList<double> Coefficients { get; }

    /// <summary>Intercept (in target units).</summary>
    double Intercept { get; }

    /// <summary>Number of coefficients that are not exactly 0 (scikit-learn's <c>coef_ != 0</c>).</summary>
    int NonZeroCount { get; }

    /// <summary>Predictions for the rows of X (n_samples × n_features): length n_samples.</summary>
    double[] Predict(Matrix<double> x);
}

/// <summary>Shared input checks and helpers of the regressors.</summary>
internal static class RegressionInput
{
    /// <summary>Throws unless X and y agree in length and hold only finite values.</summary>
    public static void Check(Matrix<double> x, IReadOnlyList<double> y, int minRows)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.RowCount != y.Count)
            throw new ArgumentException($"X has {x.RowCount} rows but y has {y.Count} values.", nameof(y));
        if (x.ColumnCount == 0) throw new ArgumentException("X has no feature columns.", nameof(x));
        if (x.RowCount < minRows)
            throw new ArgumentException($"{x.RowCount} rows are too few: at least {minRows} are needed (one per inner fold).", nameof(x));
        for (var i = 0; i < y.Count; i++)
            if (!double.IsFinite(y[i])) throw new InputException($"target value {i + 1} is {y[i]}: targets must be finite numbers.");
        var values = ColumnMajor(x);
        for (var k = 0; k < values.Length; k++)
            if (!double.IsFinite(values[k]))
                throw new InputException($"feature matrix holds {values[k]} at row {k % x.RowCount + 1}, column {k / x.RowCount + 1}: features must be finite numbers.");
    }

    /// <summary>The column-major values of X, without a copy when X is dense.</summary>
    public static double[] ColumnMajor(Matrix<double> x) =>
        x.Storage is MathNet.Numerics.LinearAlgebra.Storage.DenseColumnMajorMatrixStorage<double> dense ? dense.Data : x.ToColumnMajorArray();

    /// <summary>X·coef + intercept.</summary>
    public static double[] Predict(Matrix<double> x, IReadOnlyList<double> coef, double intercept)
    {
        if (x.ColumnCount != coef.Count)
            throw new ArgumentException($"X has {x.ColumnCount} columns but the model was fitted on {coef.Count}.", nameof(x));
        var n = x.RowCount;
        var values = ColumnMajor(x);
        var pred = new double[n];
        Array.Fill(pred, intercept);
        for (var j = 0; j < coef.Count; j++)
            if (coef[j] != 0.0)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(values.AsSpan(j * n, n), coef[j], pred, pred);
        return pred;
    }
}
