"""Day-two operations: restart, pause/resume/stop, offsets, plugins, export, loggers, info.

Library code with no CLI or terminal concerns: functions take a `ConnectClient` and explicit
arguments and return frozen results that the CLI renders. Errors are `KconnectError`s. One
module per kind of operation; import from it (`kconnect.ops.export`, `kconnect.ops.state`).
"""
