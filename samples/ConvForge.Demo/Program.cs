using System;
using ConvForge.Demo.Sections;

// ConvForge demo: what the generator knows about the sample networks at build time, one of them running, and
// pretrained ImageNet weights loaded from ONNX into a declared ResNet-18 that featurizes real images.
// Each section is a small static class under Sections/; they run in this order.
var sections = new (string Title, Action Run)[]
{
    ("The sample networks", NetworkTotals.Print),
    ("SqueezeNet 1.1, node by node", SqueezeNetSummary.Print),
    ("Shapes are compile-time constants", ShapeConstants.Print),
    ("Where each parameter tensor lives", ParameterLayoutRows.Print),
    ("SqueezeNet 1.1 on a synthetic image", SqueezeNetForward.Print),
    ("A pretrained ResNet-18 as a feature extractor, on Fashion-MNIST", PretrainedFeatures.Print),
};

foreach (var (title, run) in sections)
{
    Console.WriteLine();
    Console.WriteLine(title);
    Console.WriteLine(new string('=', title.Length));
    Console.WriteLine();
    run();
}
