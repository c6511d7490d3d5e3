using System;
using System.Linq;

namespace ConvForge.Runtime.Tests.Weights;

public sealed class ParameterStoreTests
{
    private static NetworkDefinition Network()
    {
        var b = new NetworkBuilder("Tiny", new TensorShape(3, 8, 8));
        var conv = b.Conv("Conv1", b.Input, 4, KernelWindow.Square(3, padding: 1));
        var bn = b.BatchNorm("Conv1.Bn", conv);
        b.Dense("Output", b.Relu("Relu", bn), 2);
        return b.Build();
    }

    [Fact]
    public void Tensors_are_views_of_one_buffer_at_their_offsets()
    {
        var store = new ParameterStore(Network());
        Assert.Equal(store.Network.ParameterLength, store.Length);
        Assert.Equal(4 * 3 * 3 * 3 + 4 + 4 * 4 + 2 * 256 + 2, store.Length);
        var values = store.GetWritableValues();
        for (var i = 0; i < values.Length; i++)
            values[i] = i;
        foreach (var parameter in store.Parameters)
        {
            var tensor = store.GetTensor(parameter.Name);
            Assert.Equal(parameter.Length, tensor.Length);
            Assert.Equal((float)parameter.Offset, tensor[0]);
            Assert.Equal((float)(parameter.Offset + parameter.Length - 1), tensor[tensor.Length - 1]);
            Assert.True(tensor.SequenceEqual(store.GetTensor(parameter)));
        }
    }

    [Fact]
    public void Writes_through_a_tensor_land_in_the_flat_buffer()
    {
        var store = new ParameterStore(Network());
        store.GetWritableTensor("Output.Bias")[1] = 42f;
        var bias = store.GetParameter("Output.Bias");
        Assert.Equal(42f, store.Values[bias.Offset + 1]);
        store.SetTensor("Conv1.Bias", new float[] { 1, 2, 3, 4 });
        Assert.Equal(new float[] { 1, 2, 3, 4 }, store.GetTensor("Conv1.Bias").ToArray());
    }

    [Fact]
    public void Version_moves_on_writes_and_not_on_reads()
    {
        var store = new ParameterStore(Network());
        var version = store.Version;
        _ = store.GetTensor("Conv1.Weight");
        _ = store.Values;
        _ = store.GetTensor(store.GetParameter("Output.Weight"));
        Assert.Equal(version, store.Version);

        void Changes(Action write)
        {
            var before = store.Version;
            write();
            Assert.True(store.Version > before);
        }
        Changes(() => store.GetWritableTensor("Conv1.Weight"));
        Changes(() => store.GetWritableTensor(store.GetParameter("Conv1.Bias")));
        Changes(() => store.GetWritableValues());
        Changes(() => store.SetTensor("Output.Bias", new float[2]));
        Changes(store.MarkChanged);
    }

    [Fact]
    public void Unknown_names_and_foreign_parameters_are_argument_errors()
    {
        var store = new ParameterStore(Network());
        var unknown = Assert.Throws<ArgumentException>(() => store.GetTensor("Conv2.Weight"));
        Assert.Contains("Tiny has no parameter named Conv2.Weight", unknown.Message);
        Assert.False(store.Contains("Conv2.Weight"));
        Assert.True(store.Contains("Conv1.Weight"));

        var foreign = new ParameterInfo("Conv1.Weight", new[] { 4, 3, 3, 3 }, offset: 500, trainable: true);
        var error = Assert.Throws<ArgumentException>(() => store.GetTensor(foreign));
        Assert.Contains("is not a parameter of network Tiny", error.Message);
    }

    [Fact]
    public void SetTensor_rejects_a_wrong_length_and_names_both()
    {
        var store = new ParameterStore(Network());
        var version = store.Version;
        var error = Assert.Throws<ArgumentException>(() => store.SetTensor("Conv1.Bias", new float[3]));
        Assert.Contains("Conv1.Bias [4] holds 4 floats but 3 were given", error.Message);
        Assert.Equal(version, store.Version);
    }
}

/// <summary>Moving a trunk between two declarations that share layer names (transfer learning to a new head).</summary>
public sealed class CopyMatchingTensorsTests
{
    private static NetworkDefinition Trunk(int size)
    {
        var b = new NetworkBuilder("Trunk", new TensorShape(3, size, size));
        var conv = b.Conv("Conv1", b.Input, 4, KernelWindow.Square(3, padding: 1));
        b.Relu("Relu", b.BatchNorm("Conv1.Bn", conv));
        return b.Build();
    }

    private static NetworkDefinition WithHead(int size, int classes)
    {
        var b = new NetworkBuilder("WithHead", new TensorShape(3, size, size));
        var conv = b.Conv("Conv1", b.Input, 4, KernelWindow.Square(3, padding: 1));
        var relu = b.Relu("Relu", b.BatchNorm("Conv1.Bn", conv));
        b.Dense("Classifier", b.GlobalAvgPool("Pool", relu), classes);
        return b.Build();
    }

    [Fact]
    public void Copies_the_shared_tensors_at_any_input_size_and_leaves_the_head()
    {
        var trunk = new ParameterStore(Trunk(16));
        trunk.Initialize(7);
        var target = new ParameterStore(WithHead(8, 3));
        target.Initialize(9);
        var head = target.GetTensor("Classifier.Weight").ToArray();
        long version = target.Version;

        var copied = target.CopyMatchingTensors(trunk);

        Assert.Equal(trunk.Parameters.Select(p => p.Name), copied);
        foreach (var name in copied)
            Assert.True(trunk.GetTensor(name).SequenceEqual(target.GetTensor(name)), name);
        Assert.Equal(head, target.GetTensor("Classifier.Weight").ToArray());
        Assert.NotEqual(version, target.Version);
    }

    [Fact]
    public void A_shared_name_with_another_shape_is_an_error_naming_both_shapes()
    {
        var source = new ParameterStore(WithHead(8, 5));
        var target = new ParameterStore(WithHead(8, 3));
        var error = Assert.Throws<ArgumentException>(() => target.CopyMatchingTensors(source));
        Assert.Contains("Classifier.Weight is [3, 4] in WithHead but [5, 4] in WithHead", error.Message);
    }
}
