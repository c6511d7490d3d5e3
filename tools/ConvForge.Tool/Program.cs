using ConvForge.Tool;

return Cli.Run(args, Spectre.Console.AnsiConsole.Console);
