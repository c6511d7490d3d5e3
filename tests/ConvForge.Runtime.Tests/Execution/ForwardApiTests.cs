using System;
using System.IO;
using System.Threading;
using ConvForge.Kernels;
using ConvForge.Runtime.Tests.Onnx;

namespace ConvForge.Runtime.Tests.Execution;

/// <summary>The generated run-time API: allocation, argument checks, thread safety, weights and ONNX export.</summary>
public class ForwardApiTests
{
    public static TheoryData<string, KernelFamily, int> AllocationCases()
    {
        var data = new TheoryData<string, KernelFamily, int>();
        foreach (var family in Enum.GetValues<KernelFamily>())
        {
            // One thread, and three (a batch of 3 side by side, one image split): the calling thread's share is counted here,
            // the pool threads' in ForwardThreadTests.
            foreach (var threads in new[] { 1, 3 })
            {
                data.Add(nameof(JoinNet), family, threads);      // concatenations (zero-copy and copied), residual adds, squeeze-excite
                data.Add(nameof(EveryLayerNet), family, threads);
                data.Add(nameof(ModuleNet), family, threads);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AllocationCases))]
    public void Forward_allocates_nothing_after_warm_up_not_even_to_repack(string name, KernelFamily family, int threads)
    {
        var network = TestNetwork.All[name];
        var instance = network.Create();
        instance.UseKernels(family);
        instance.DegreeOfParallelism = threads;
        var input = OnnxRuntimeHarness.RandomValues(3 * network.InputLength, seed: 1);
        var output = new float[3 * network.OutputLength];
        instance.Forward(input, output, 3);   // warm-up: JIT, static constructors, the first packing
        instance.Forward(input.AsSpan(0, network.InputLength), output.AsSpan(0, network.OutputLength));

        // The quietest of three windows: while the whole suite runs, the runtime itself (tiered recompilation of hot
        // methods, run on this thread when it calls them) now and then allocates a few hundred bytes inside one window.
        // A Forward that allocated would show in all three.
        var quietest = long.MaxValue;
        for (var window = 0; window < 3 && quietest != 0; window++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 5; i++)
            {
                instance.Forward(input.AsSpan(0, network.InputLength), output.AsSpan(0, network.OutputLength));
                instance.Forward(input, output, 3);
            }
            quietest = Math.Min(quietest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, quietest);

        // A parameter change makes the next Forward repack, into the buffers it already has.
        instance.Parameters.MarkChanged();
        var beforeRepack = GC.GetAllocatedBytesForCurrentThread();
        instance.Forward(input, output, 3);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - beforeRepack);
    }

    [Fact]
    public void A_wrong_input_length_names_the_expected_length()
    {
        var instance = new JoinNet();
        var output = new float[JoinNet.OutputLength];
        var error = Assert.Throws<ArgumentException>(() => instance.Forward(new float[100], output));
        Assert.Equal("input", error.ParamName);
        Assert.StartsWith("input has 100 floats; JoinNet takes 5x15x13 = 975 per image.", error.Message);

        var batch = Assert.Throws<ArgumentException>(() => instance.Forward(new float[975], new float[14], 2));
        Assert.StartsWith("input has 975 floats; JoinNet takes 5x15x13 = 975 per image, 1,950 for a batch of 2.", batch.Message);
    }

    [Fact]
    public void A_wrong_output_length_names_the_expected_length()
    {
        var instance = new EveryLayerNet();
        var error = Assert.Throws<ArgumentException>(() => instance.Forward(new float[EveryLayerNet.InputLength], new float[12]));
        Assert.Equal("output", error.ParamName);
        Assert.StartsWith("output has 12 floats; EveryLayerNet writes 11x1x1 = 11 per image.", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => instance.Forward(ReadOnlySpan<float>.Empty, Span<float>.Empty, 0));

        // A rejected call leaves the instance usable.
        instance.Forward(new float[EveryLayerNet.InputLength], new float[EveryLayerNet.OutputLength]);
    }

    [Fact]
    public void A_second_thread_inside_the_instance_gets_an_exception_naming_the_class()
    {
        // Deterministic: LoadWeights holds the instance while it reads from a stream that waits for a signal.
        var instance = new JoinNet();
        using var weights = new MemoryStream();
        instance.SaveWeights(weights);
        weights.Position = 0;
        using var stream = new GatedStream(weights);
        var loading = new Thread(() => instance.LoadWeights(stream));
        loading.Start();
        Assert.True(stream.Reading.Wait(TimeSpan.FromSeconds(30)), "LoadWeights never read its stream.");

        var input = new float[JoinNet.InputLength];
        var output = new float[JoinNet.OutputLength];
        var error = Assert.Throws<InvalidOperationException>(() => instance.Forward(input, output));
        Assert.Contains("JoinNet", error.Message);
        Assert.Throws<InvalidOperationException>(() => instance.UseKernels(KernelFamily.Portable));
        Assert.Throws<InvalidOperationException>(() => instance.InitializeParameters(1));

        stream.Open.Set();
        Assert.True(loading.Join(TimeSpan.FromSeconds(30)), "LoadWeights did not finish.");
        instance.Forward(input, output);   // released again
    }

    [Fact]
    public void Concurrent_forward_calls_are_detected_and_leave_the_instance_intact()
    {
        var network = TestNetwork.All[nameof(EveryLayerNet)];
        var instance = network.Create();
        var input = OnnxRuntimeHarness.RandomValues(network.InputLength, seed: 4);
        var expected = ReferenceInterpreter.Run(instance.Parameters, input);
        InvalidOperationException? seen = null;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        void Hammer()
        {
            var output = new float[network.OutputLength];
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    instance.Forward(input, output);
                }
                catch (InvalidOperationException e)
                {
                    Interlocked.CompareExchange(ref seen, e, null);
                    stop.Cancel();
                }
            }
        }

        var threads = new[] { new Thread(Hammer), new Thread(Hammer) };
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        Assert.NotNull(seen);
        Assert.Contains("EveryLayerNet", seen!.Message);
        Assert.Contains("one instance per thread", seen.Message);
        OnnxRuntimeHarness.AssertClose(expected, instance.Run(input), "after the concurrent calls");
    }

    [Fact]
    public void Weights_saved_by_one_instance_load_into_another_by_path_and_by_stream()
    {
        var network = TestNetwork.All[nameof(ModuleNet)];
        var source = network.Create();
        source.InitializeParameters(1234);
        var input = OnnxRuntimeHarness.RandomValues(network.InputLength, seed: 6);
        var expected = source.Run(input);

        var path = Path.Combine(Path.GetTempPath(), $"convforge-{Guid.NewGuid():N}.safetensors");
        try
        {
            source.SaveWeights(path);
            var fromFile = network.Create();
            Assert.NotEqual(expected, fromFile.Run(input));
            fromFile.LoadWeights(path);
            Assert.Equal(expected, fromFile.Run(input));
        }
        finally
        {
            File.Delete(path);
        }

        using var stream = new MemoryStream();
        source.SaveWeights(stream);
        stream.Position = 0;
        var fromStream = network.Create();
        fromStream.LoadWeights(stream);
        Assert.Equal(expected, fromStream.Run(input));
    }

    [Theory]
    [MemberData(nameof(TestNetwork.Names), MemberType = typeof(TestNetwork))]
    public void The_exported_onnx_model_computes_what_forward_computes(string name)
    {
        var network = TestNetwork.All[name];
        var instance = network.Create();
        OnnxRuntimeHarness.TestParameters(network.Definition, seed: 17).CopyTo(instance.Parameters.GetWritableValues());
        var input = OnnxRuntimeHarness.RandomValues(2 * network.InputLength, seed: 18);
        using var model = new MemoryStream();
        instance.ExportOnnx(model);

        var (ort, _) = OnnxRuntimeHarness.Run(model.ToArray(), input, 2, network.Definition.InputShape);
        OnnxRuntimeHarness.AssertClose(ort, instance.Run(input, 2), $"{name}: Forward against ONNX Runtime");
    }

    [Fact]
    public void Constructors_and_members_of_the_class_own_coexist_with_the_generated_state()
    {
        var net = new OwnMembersNet(KernelFamily.Portable);
        Assert.Equal(KernelFamily.Portable, net.KernelFamily);
        Assert.Equal("the class's own", net.Parameters);
        Assert.Equal("the class's own", OwnMembersNet.Definition);
        Assert.Equal(42, net.Execution);

        var input = OnnxRuntimeHarness.RandomValues(OwnMembersNet.InputLength, seed: 2);
        var output = new float[OwnMembersNet.OutputLength];
        net.Forward(input, output);
        using var weights = new MemoryStream();
        net.SaveWeights(weights);
        weights.Position = 0;
        // The class took the name Definition, so the generated table went to a private field.
        var definition = (NetworkDefinition)typeof(OwnMembersNet)
            .GetField("s_definition", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .GetValue(null)!;
        var store = new ParameterStore(definition);
        store.Load(weights);
        OnnxRuntimeHarness.AssertClose(ReferenceInterpreter.Run(store, input), output, "OwnMembersNet");
    }

    /// <summary>A stream that signals its first read and then waits until it is opened.</summary>
    private sealed class GatedStream : Stream
    {
        private readonly Stream inner;

        public GatedStream(Stream inner) => this.inner = inner;

        public ManualResetEventSlim Reading { get; } = new();
        public ManualResetEventSlim Open { get; } = new();

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reading.Set();
            Open.Wait(TimeSpan.FromSeconds(60));
            return inner.Read(buffer, offset, count);
        }

        public override int Read(Span<byte> buffer)
        {
            Reading.Set();
            Open.Wait(TimeSpan.FromSeconds(60));
            return inner.Read(buffer);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Reading.Dispose();
                Open.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
