using PlmKit.Models;
using TorchSharp;

namespace PlmKit.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void NativeLibraryLoadsAndComputes()
    {
        TorchRuntime.EnsureLoaded();
        using var a = torch.ones(3, 4);
        using var b = torch.ones(4, 2);
        using var c = torch.matmul(a, b);
        Assert.Equal(4f, c[0, 0].item<float>());
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("auto")]
    [InlineData(" CPU ")]
    public void CpuDeviceResolves(string request)
    {
        if (request == "auto" && torch.cuda.is_available()) return;
        Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice(request).type);
    }

    [Fact]
    public void UnknownDeviceIsAClearError()
    {
        var e = Assert.Throws<ConfigurationException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.Contains("unknown device 'tpu'", e.Message);
    }
}
