using EventBus.Samples.Orders.Demo;

// The order saga sample: places a mix of orders, prints what happened to each, writes a Mermaid diagram.
// Everything runs in process by default: no server, no setup (--store sqlite or --store postgres keep the sagas in a
// database). Try `dotnet run --project samples/OrderSaga -- --help`.
// Exit code 0 means every order ended as planned; see Demo/DemoProgram.cs.
return await DemoProgram.RunAsync(args, Console.Out, Console.Error);
