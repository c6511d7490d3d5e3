using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Generators.Analysis;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Analysis;

public class DiagnosticDescriptorsTests
{
    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var rule in DiagnosticIds.All)
            data.Add(rule.Id);
        return data;
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Descriptor_matches_the_core_catalogue(string id)
    {
        var rule = DiagnosticIds.All.Single(r => r.Id == id);
        var descriptor = DiagnosticDescriptors.Find(id);

        Assert.NotNull(descriptor);
        Assert.Equal(rule.Title, descriptor!.Title.ToString());
        Assert.Equal(rule.Category, descriptor.Category);
        Assert.Equal(ToRoslyn(rule.Severity), descriptor.DefaultSeverity);
        Assert.Equal(rule.HelpLink, descriptor.HelpLinkUri);
        Assert.Equal("{0}", descriptor.MessageFormat.ToString());
        Assert.True(descriptor.IsEnabledByDefault);
        // Every rule can be turned off with #pragma or .editorconfig.
        Assert.DoesNotContain(WellKnownDiagnosticTags.NotConfigurable, descriptor.CustomTags);
    }

    [Fact]
    public void Descriptors_are_the_catalogue_in_order_and_nothing_else()
    {
        Assert.Equal(DiagnosticIds.All.Select(r => r.Id), DiagnosticDescriptors.All.Select(d => d.Id));
        Assert.Equal(DiagnosticDescriptors.All, new NetworkAnalyzer().SupportedDiagnostics);
    }

    [Fact]
    public void Unknown_ids_have_no_descriptor()
    {
        Assert.Null(DiagnosticDescriptors.Find("CF9999"));
        Assert.Null(DiagnosticDescriptors.Find("cf0001"));
    }

    [Fact]
    public void Unshipped_release_notes_list_every_descriptor_with_its_category_and_severity()
    {
        var rows = File.ReadAllLines(RepositoryFiles.PathOf("generator", "ConvForge.Generators", "AnalyzerReleases.Unshipped.md"))
            .Where(line => line.StartsWith("CF", StringComparison.Ordinal))
            .Select(line => line.Split('|').Select(cell => cell.Trim()).ToArray())
            .ToDictionary(cells => cells[0]);

        Assert.Equal(DiagnosticDescriptors.All.Select(d => d.Id).OrderBy(id => id), rows.Keys.OrderBy(id => id));
        foreach (var descriptor in DiagnosticDescriptors.All)
        {
            var cells = rows[descriptor.Id];
            Assert.Equal(descriptor.Category, cells[1]);
            Assert.Equal(descriptor.DefaultSeverity.ToString(), cells[2]);
            Assert.Equal(descriptor.Title.ToString(), cells[3]);
        }
    }

    private static DiagnosticSeverity ToRoslyn(Severity severity) => severity switch
    {
        Severity.Info => DiagnosticSeverity.Info,
        Severity.Warning => DiagnosticSeverity.Warning,
        Severity.Error => DiagnosticSeverity.Error,
        _ => throw new ArgumentOutOfRangeException(nameof(severity)),
    };
}
