using System;
using ConvForge.Demo.Sections;

// ConvForge demo: what the generator knows about the sample networks at build time, and one of them running.
// Each section is a small static class under Sections/; they run in this order.
var sections = new (string Title, Action Run)[]
{
    ("The sample networks", NetworkTotals.Print),
    ("SqueezeNet 1.1, node by node", SqueezeNetSummary.Print),
    ("Shapes are compile-time constants", ShapeConstants.Print),
    ("Where each parameter tensor lives", ParameterLayoutRows.Print),
    ("SqueezeNet 1.1 on a synthetic image", SqueezeNetForward.Print),
};

foreach (var (title, run) in sections)
{
    Console.WriteLine();
    Console.WriteLine(title);
    Console.WriteLine(new string('=', title.Length));
    Console.WriteLine();
    run();
}
