using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Tests;

public class WindowMathTests
{
    [Theory]
    // input, kernel, stride, padBegin, padEnd, dilation, ceil, expected
    [InlineData(224, 7, 2, 3, 3, 1, false, 112)]
    [InlineData(7, 2, 2, 0, 0, 1, false, 3)]
    [InlineData(7, 2, 2, 0, 0, 1, true, 4)]
    [InlineData(3, 2, 2, 1, 1, 1, true, 2)]   // ceil gives 3; the third window would start at 4 >= 3 + 1: dropped
    [InlineData(6, 3, 2, 1, 1, 1, true, 4)]   // ceil gives 4; the fourth starts at 6 < 7: kept
    [InlineData(10, 3, 1, 0, 0, 4, false, 2)] // effective kernel 9
    [InlineData(5, 7, 1, 0, 0, 1, false, 0)]  // does not fit
    [InlineData(5, 7, 1, 1, 1, 1, true, 1)]
    [InlineData(10, 3, 1, 2, 0, 1, false, 10)] // asymmetric
    public void Output_size(int input, int kernel, int stride, int padBegin, int padEnd, int dilation, bool ceil, long expected)
        => Assert.Equal(expected, WindowMath.OutputSize(input, kernel, stride, padBegin, padEnd, dilation, ceil));

    [Theory]
    // input, kernel, stride, dilation, expected begin, expected end
    [InlineData(8, 3, 2, 1, 0, 1)]
    [InlineData(7, 3, 2, 1, 1, 1)]
    [InlineData(1, 7, 2, 1, 3, 3)]
    [InlineData(10, 1, 3, 1, 0, 0)]  // stride larger than the kernel: no padding needed
    [InlineData(10, 3, 1, 2, 2, 2)]  // dilated: spans 5
    public void Same_padding_splits_the_odd_pixel_to_the_end(int input, int kernel, int stride, int dilation, int begin, int end)
    {
        WindowMath.SamePadding(input, kernel, stride, dilation, out var padBegin, out var padEnd);
        Assert.Equal((begin, end), (padBegin, padEnd));
        Assert.Equal((input + stride - 1) / stride, WindowMath.OutputSize(input, kernel, stride, padBegin, padEnd, dilation, false));
    }

    [Theory]
    [InlineData(7, 2, 2, 0, 0, 1, 1)]
    [InlineData(224, 3, 2, 0, 0, 1, 1)]
    [InlineData(8, 3, 2, 1, 1, 1, 0)]  // the unread pixel is padding
    [InlineData(9, 3, 2, 1, 0, 1, 1)]
    [InlineData(56, 1, 2, 0, 0, 1, 0)] // windows smaller than the stride skip pixels by design
    [InlineData(14, 4, 4, 0, 0, 1, 2)]
    public void Unread_tail(int input, int kernel, int stride, int padBegin, int padEnd, int dilation, long expected)
        => Assert.Equal(expected, WindowMath.UnreadTail(input, kernel, stride, padBegin, padEnd, dilation));

    [Fact]
    public void Saturating_arithmetic_never_wraps()
    {
        Assert.Equal(long.MaxValue, WindowMath.SaturatingMultiply(long.MaxValue / 2, 3));
        Assert.Equal(6, WindowMath.SaturatingMultiply(2, 3));
        Assert.Equal(0, WindowMath.SaturatingMultiply(0, long.MaxValue));
        Assert.Equal(long.MaxValue, WindowMath.SaturatingAdd(long.MaxValue - 1, 2));
    }
}
