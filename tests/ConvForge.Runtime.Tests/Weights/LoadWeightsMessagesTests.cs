using System;
using System.IO;
using ConvForge.Execution;
using ConvForge.Kernels;

namespace ConvForge.Runtime.Tests.Weights;

/// <summary>
/// What a user sees when <c>LoadWeights</c> is given the wrong thing: a directory, a path that does not exist,
/// or the weights of another network. Each message says what is wrong before any detail.
/// </summary>
public sealed class LoadWeightsMessagesTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "convforge-" + Guid.NewGuid().ToString("N"));

    public LoadWeightsMessagesTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>Conv1 (weight, bias), Conv1.Bn (four tensors), Output (weight, bias): 8 parameters.</summary>
    private static NetworkDefinition Tiny()
    {
        var b = new NetworkBuilder("Tiny", new TensorShape(3, 4, 4));
        var conv = b.Conv("Conv1", b.Input, 8, KernelWindow.Square(3, padding: 1));
        var bn = b.BatchNorm("Conv1.Bn", conv);
        b.Dense("Output", b.GlobalAvgPool("Pool", bn), 2);
        return b.Build();
    }

    /// <summary>Shares no parameter name with <see cref="Tiny"/>: Stem, Stem.Bn, Head.</summary>
    private static NetworkDefinition Other()
    {
        var b = new NetworkBuilder("Other", new TensorShape(3, 4, 4));
        var conv = b.Conv("Stem", b.Input, 8, KernelWindow.Square(3, padding: 1));
        var bn = b.BatchNorm("Stem.Bn", conv);
        b.Dense("Head", b.GlobalAvgPool("Pool", bn), 2);
        return b.Build();
    }

    /// <summary>Shares Conv1's weight and bias with <see cref="Tiny"/> and nothing else.</summary>
    private static NetworkDefinition Cousin()
    {
        var b = new NetworkBuilder("Cousin", new TensorShape(3, 4, 4));
        var conv = b.Conv("Conv1", b.Input, 8, KernelWindow.Square(3, padding: 1));
        var bn = b.BatchNorm("Norm", conv);
        b.Dense("Classifier", b.GlobalAvgPool("Pool", bn), 2);
        return b.Build();
    }

    private static NetworkExecution Execution(NetworkDefinition network) => new(network, KernelFamily.Portable, _ => new ForwardBufferLengths(1, 1, 1));

    private string SavedWeightsOf(NetworkDefinition network, string name)
    {
        var store = new ParameterStore(network);
        store.Initialize(3);
        var path = Path.Combine(directory, name);
        store.Save(path);
        return path;
    }

    [Fact]
    public void A_directory_is_named_as_a_directory_with_the_files_it_holds()
    {
        SavedWeightsOf(Tiny(), "tiny.safetensors");
        var execution = Execution(Tiny());

        var error = Assert.Throws<IOException>(() => execution.LoadWeights(directory));

        Assert.Equal($"{directory} is a directory, not a safetensors file; the safetensors file in it is {Path.Combine(directory, "tiny.safetensors")}.", error.Message);
    }

    [Fact]
    public void A_directory_of_several_files_lists_a_few()
    {
        foreach (var name in new[] { "d.safetensors", "a.safetensors", "c.safetensors", "b.safetensors", "e.safetensors" })
            SavedWeightsOf(Tiny(), name);

        var error = Assert.Throws<IOException>(() => Execution(Tiny()).LoadWeights(directory));

        Assert.Equal($"{directory} is a directory, not a safetensors file; it holds 5 safetensors files: a.safetensors, b.safetensors, c.safetensors and 2 more.", error.Message);
    }

    [Fact]
    public void An_empty_directory_says_it_holds_no_weights_file()
    {
        var error = Assert.Throws<IOException>(() => Execution(Tiny()).LoadWeights(directory));

        Assert.Equal($"{directory} is a directory, not a safetensors file; it holds no .safetensors file.", error.Message);
    }

    [Fact]
    public void A_missing_file_is_named_by_its_full_path()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(directory, "missing.safetensors"));

        var error = Assert.Throws<FileNotFoundException>(() => Execution(Tiny()).LoadWeights(relative));

        var full = Path.Combine(directory, "missing.safetensors");
        Assert.Equal($"The safetensors file {full} does not exist.", error.Message);
        Assert.Equal(full, error.FileName);
    }

    [Fact]
    public void A_file_in_a_missing_directory_says_so()
    {
        var path = Path.Combine(directory, "nowhere", "tiny.safetensors");

        var error = Assert.Throws<FileNotFoundException>(() => Execution(Tiny()).LoadWeights(path));

        Assert.Equal($"The safetensors file {path} does not exist (nor does its directory {Path.Combine(directory, "nowhere")}).", error.Message);
    }

    [Fact]
    public void Weights_of_another_network_say_so_first_and_name_it()
    {
        var path = SavedWeightsOf(Other(), "other.safetensors");
        var execution = Execution(Tiny());
        var before = execution.Parameters.Values.ToArray();

        var error = Assert.Throws<InvalidDataException>(() => execution.LoadWeights(path));

        Assert.Equal(
            $"{path}: The safetensors file does not match network Tiny (the file was saved from network Other): none of its 8 tensors is one of the network's 8 parameters. "
            + "The file has Stem.Weight, Stem.Bias, Stem.Bn.Gamma, ...; the network has Conv1.Weight, Conv1.Bias, Conv1.Bn.Gamma, ....",
            error.Message);
        Assert.True(before.AsSpan().SequenceEqual(execution.Parameters.Values));
    }

    [Fact]
    public void Weights_sharing_few_names_say_how_many_of_how_many_before_the_list()
    {
        var path = SavedWeightsOf(Cousin(), "cousin.safetensors");

        var error = Assert.Throws<InvalidDataException>(() => Execution(Tiny()).LoadWeights(path));

        Assert.StartsWith(
            $"{path}: The safetensors file does not match network Tiny (the file was saved from network Cousin): only 2 of the network's 8 parameters are in the file, which has 8 tensors. Conv1.Bn.Gamma is missing from the file;",
            error.Message);
    }

    [Fact]
    public void Without_a_network_name_in_the_metadata_the_message_names_none()
    {
        var store = new ParameterStore(Other());
        var bytes = new MemoryStream();
        SafeTensors.Save(store, bytes);
        // The same file as another tool would write it: no "network" entry in __metadata__.
        var header = SafeTensors.ReadHeader(new MemoryStream(bytes.ToArray()));
        Assert.Equal("Other", header.Metadata["network"]);
        var json = System.Text.Encoding.UTF8.GetString(bytes.ToArray(), 8, (int)header.HeaderLength)
            .Replace("\"network\":\"Other\",", "", StringComparison.Ordinal)
            .PadRight((int)header.HeaderLength);
        var edited = bytes.ToArray();
        System.Text.Encoding.UTF8.GetBytes(json).CopyTo(edited, 8);

        var error = Assert.Throws<InvalidDataException>(() => new ParameterStore(Tiny()).Load(new MemoryStream(edited)));

        Assert.StartsWith("The safetensors file does not match network Tiny: none of its 8 tensors", error.Message);
    }
}
