// Dapper.AOT generates each Dapper call's parameter and row mapping at compile time (interceptors), so no call needs
// Dapper's run-time IL emission, which the native build cannot do. A call it cannot generate is a DAP build warning.
// Tuples bind by position, as plain Dapper binds them.
[module: Dapper.DapperAot]
[module: Dapper.BindTupleByName(false)]
