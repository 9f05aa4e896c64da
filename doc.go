// Package omnikit is an embeddable Go toolkit for omnichannel retail: one
// stock, one order flow, one catalog, one customer and one returns process
// shared by physical stores, web and app, and marketplaces.
//
// omnikit is a library, not a platform. A retailer imports it into its own
// services; there is no global state and no server to run, and every piece
// that touches the outside world (storage, time, randomness) is a Go
// interface that can be replaced.
//
// This root package holds the value types that every other package shares,
// and this overview.
//
// # Package map
//
// Status at this stage: inventory, routing and orders are built, with
// their three storage adapters (memory, SQLite, PostgreSQL, all checked by
// the storage/storagetest suite); catalog, customer and returns are
// planned and not yet built. The list below says what each holds or is
// meant to hold.
//
//   - inventory (built): the unified stock ledger. Stock is a double-entry
//     ledger of units over (SKU, location, bucket) accounts, with
//     reservations that expire exactly, availability to promise per
//     location and per channel, a change feed, and group commit of
//     concurrent commands.
//   - storage/memory (built): in-memory stores for tests, examples and
//     services that rebuild their state at start.
//   - storage/sqlite (built): the embedded default, pure Go.
//   - storage/postgres (built): PostgreSQL through pgx.
//   - storage/storagetest (built): the conformance suite that every storage
//     adapter runs.
//   - routing (built; holiday hours and per-unit costs are not): fulfilment
//     sourcing; turns an order's lines and destination into a plan of
//     which location ships what, with a reason for every candidate.
//   - orders (built): the order management system; orders from every
//     channel, routed and reserved, split into fulfilment orders with their
//     own state machines, re-routed when a location rejects units, with an
//     event outbox.
//   - catalog (planned, not yet built): products, variants, attributes,
//     per-channel publication and bundles.
//   - customer (planned, not yet built): one profile across channels,
//     identity resolution and consent.
//   - returns (planned, not yet built): returns started and finished on any
//     channel, policies, inspection, disposition and exact refunds.
//   - examples (built: examples/clickcollect, examples/unifiedstock):
//     runnable reference programs, each with a test that checks its output.
//
// Domain packages depend only on this package and on each other in one
// direction (routing reads inventory; orders uses both; returns uses orders
// and inventory). They never import a storage adapter: each declares the
// narrow Store interface it needs, and the adapters under storage/
// implement it.
//
// # Value types
//
// Identifiers: [SKU], [LocationID] and [ChannelID] are distinct string
// types, so a location cannot be passed where a SKU is expected. Each has a
// Validate method; domain packages validate every identifier they receive.
//
// Money: [Money] is an exact decimal amount in a [Currency], never a float.
// Currencies come from an embedded ISO 4217 table with their minor units
// ([ParseCurrency]). Operations on two amounts refuse mixed currencies.
// Arithmetic is exact and rounding is explicit: [Money.Round] rounds
// half-even to the minor unit and [Money.RoundMode] takes any
// [RoundingMode]. [Money.Split] and [Money.Allocate] divide an amount into
// parts that always sum exactly to it, for pro-rating discounts, shipping
// and refunds. Money encodes to JSON with the amount as a string.
//
// Places: [GeoPoint] is a latitude/longitude with a great-circle distance;
// [Address] is a postal address with its validation rules.
//
// Time: [Clock] is the source of time for everything that expires or is
// timestamped. Production code uses [RealClock]; tests use a [ManualClock]
// and move it explicitly, so they are deterministic.
//
// # Errors
//
// Errors that callers branch on are sentinel values, checked with
// errors.Is. Errors that carry detail are typed and still match their
// sentinel, so errors.Is works on them and errors.As extracts the detail:
//
//   - [ErrInvalidID], with [*InvalidIDError] naming the kind, value and
//     reason;
//   - [ErrUnknownCurrency] for a code outside the ISO 4217 table or a Money
//     without a currency;
//   - [ErrCurrencyMismatch], with [*CurrencyMismatchError] naming the
//     operation and both currencies;
//   - [ErrInvalidAmount] for an unparsable amount, or one that is not a
//     whole number of minor units where that is required;
//   - [ErrInvalidSplit] for a split into no parts or an allocation with no
//     usable ratio;
//   - [ErrInvalidGeoPoint] for a coordinate out of range;
//   - [ErrInvalidAddress], with [*InvalidAddressError] naming the field.
//
// Every message is lower case and starts with "omnikit: "; other packages
// use their own prefix in the same way. Functions document which errors
// they return. Nothing in omnikit panics on bad input, except the Must
// helpers ([MustCurrency], [MustMoney]), which exist for literals in tests
// and package-level variables.
package omnikit
