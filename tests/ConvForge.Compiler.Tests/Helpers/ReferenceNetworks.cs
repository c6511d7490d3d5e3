namespace ConvForge.Compiler.Tests.Helpers;

/// <summary>The published architectures, declared as the samples declare them (torchvision's layouts).</summary>
public static class ReferenceNetworks
{
    public static NetworkBuilder ResNet18()
    {
        var net = Stem("ResNet18");
        int[] widths = { 64, 128, 256, 512 };
        for (var stage = 0; stage < 4; stage++)
        {
            for (var block = 0; block < 2; block++)
            {
                var stride = stage > 0 && block == 0 ? 2 : 1;
                net.Layer($"Layer{stage + 1}{(char)('a' + block)}", Op.BasicBlock(widths[stage], stride: stride == 1 ? null : stride));
            }
        }
        return net.Layer("Pool", Op.GlobalAvgPool(), Op.Flatten())
                  .Layer("Fc", Op.Dense(1000));
    }

    public static NetworkBuilder ResNet50()
    {
        var net = Stem("ResNet50");
        int[] widths = { 64, 128, 256, 512 };
        int[] blocks = { 3, 4, 6, 3 };
        for (var stage = 0; stage < 4; stage++)
        {
            for (var block = 0; block < blocks[stage]; block++)
            {
                var stride = stage > 0 && block == 0 ? 2 : 1;
                net.Layer($"Layer{stage + 1}{(char)('a' + block)}", Op.Bottleneck(widths[stage], stride: stride == 1 ? null : stride));
            }
        }
        return net.Layer("Pool", Op.GlobalAvgPool(), Op.Flatten())
                  .Layer("Fc", Op.Dense(1000));
    }

    public static NetworkBuilder SqueezeNet11() => Specs.Network("SqueezeNet11", 3, 224, 224)
        .Layer("Conv1", Op.Conv(64, kernel: 3, stride: 2), Op.Relu())
        .Layer("Pool1", Op.MaxPool(3, stride: 2, ceilMode: true))
        .Layer("Fire2", Op.Fire(16, 64))
        .Layer("Fire3", Op.Fire(16, 64))
        .Layer("Pool3", Op.MaxPool(3, stride: 2, ceilMode: true))
        .Layer("Fire4", Op.Fire(32, 128))
        .Layer("Fire5", Op.Fire(32, 128))
        .Layer("Pool5", Op.MaxPool(3, stride: 2, ceilMode: true))
        .Layer("Fire6", Op.Fire(48, 192))
        .Layer("Fire7", Op.Fire(48, 192))
        .Layer("Fire8", Op.Fire(64, 256))
        .Layer("Fire9", Op.Fire(64, 256))
        .Layer("Drop", Op.Dropout(0.5))
        .Layer("Conv10", Op.Conv(1000, kernel: 1), Op.Relu())
        .Layer("Output", Op.GlobalAvgPool(), Op.Flatten(), Op.Softmax());

    /// <summary>GoogLeNet's stem up to Inception 3a (Table 1 of the paper), with LRN as in the paper.</summary>
    public static NetworkBuilder GoogLeNetTo3a() => Specs.Network("GoogLeNet", 3, 224, 224)
        .Layer("Conv1", Op.Conv(64, kernel: 7, stride: 2, padding: 3), Op.Relu())
        .Layer("Pool1", Op.MaxPool(3, stride: 2, ceilMode: true))
        .Layer("Norm1", Op.Lrn())
        .Layer("Conv2Reduce", Op.Conv(64, kernel: 1), Op.Relu())
        .Layer("Conv2", Op.Conv(192, kernel: 3, padding: 1), Op.Relu())
        .Layer("Norm2", Op.Lrn())
        .Layer("Pool2", Op.MaxPool(3, stride: 2, ceilMode: true))
        .Layer("Inception3a", Op.Inception(64, 96, 128, 16, 32, 32))
        .Layer("Inception3b", Op.Inception(128, 128, 192, 32, 96, 64));

    /// <summary>Network in Network (ImageNet model of the paper's Caffe zoo).</summary>
    public static NetworkBuilder Nin() => Specs.Network("Nin", 3, 224, 224)
        .Layer("Nin1", Op.MlpConv(96, new[] { 96, 96 }, kernel: 11, stride: 4))
        .Layer("Pool1", Op.MaxPool(3, stride: 2, ceilMode: true))
        .Layer("Nin2", Op.MlpConv(256, new[] { 256, 256 }, kernel: 5, padding: 2))
        .Layer("Pool2", Op.MaxPool(3, stride: 2, ceilMode: true))
        .Layer("Nin3", Op.MlpConv(384, new[] { 384, 384 }, kernel: 3, padding: 1))
        .Layer("Pool3", Op.MaxPool(3, stride: 2, ceilMode: true))
        .Layer("Drop", Op.Dropout(0.5))
        .Layer("Nin4", Op.MlpConv(1024, new[] { 1024, 1000 }, kernel: 3, padding: 1))
        .Layer("Output", Op.GlobalAvgPool(), Op.Flatten(), Op.Softmax());

    private static NetworkBuilder Stem(string name) => Specs.Network(name, 3, 224, 224)
        .Layer("Conv1", Op.Conv(64, kernel: 7, stride: 2, padding: 3, bias: false), Op.BatchNorm(), Op.Relu())
        .Layer("Pool1", Op.MaxPool(3, stride: 2, padding: 1));
}
