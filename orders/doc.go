// Package orders is the order management system (OMS): it takes orders
// from every channel, decides with routing where each line is fulfilled,
// holds the stock through inventory reservations, and carries each part to
// its end.
//
// # Orders and fulfilment orders
//
// An Order comes from a channel (web, app, a store's till, a marketplace
// with its external order id) and holds lines priced in Money, in delivery
// groups: ship to an address, collect in a store (click & collect), or take
// away now (a store sale). Service.Place validates the request (a typed
// error, nothing written), routes every group with the routing engine over
// a fresh snapshot of the ledger (shipped groups are served from the
// channel's pool; pickup and take-away groups from their store), reserves
// the plan's units in one all-or-nothing ledger reservation, and stores
// the order with one Fulfilment per location and delivery group. If stock
// moved between routing and reserving, it routes again from fresh
// availability, up to Options.MaxAttempts rounds, then fails cleanly
// (*UnfulfillableError, the order stored as Failed, holding nothing) or,
// when the request allows backorders, places the order with the short
// units backordered (Line.Backordered; Service.FulfilBackorders routes
// them again when stock arrives).
//
// Placing is idempotent: the same idempotency key, or the same external
// id on the same channel, returns the one order.
//
// # Fulfilment states
//
//	created -> accepted -> picking -> packed -> shipped -> delivered   (Ship)
//	                                         -> ready_for_pickup -> collected   (Pickup)
//	created, accepted, picking               -> rejected   (Reject, all units)
//	created ... packed, ready_for_pickup     -> cancelled  (Cancel, CancelLines, ExpirePickups)
//
// A take-away fulfilment may be collected from any state before collected.
// Any other transition fails with a *TransitionError (ErrIllegalTransition)
// and writes nothing.
//
// Shipping and collecting commit the fulfilment's units in the ledger;
// cancelling releases them. A click & collect fulfilment gets a pickup code
// when it is ready, checked at hand-over, and a deadline
// (Options.PickupWindow); ExpirePickups cancels the uncollected ones and
// their stock returns to sale. Ship from store is simply a store location
// that ships (inventory.CanShipFromStore).
//
// A location that cannot find units rejects them (Service.Reject, a short
// pick): their reservation is released, the location's stock is corrected
// in the ledger (an adjustment), and the units are routed again with every
// location that rejected them excluded; a new fulfilment records which one
// it replaces (Fulfilment.RerouteOf). What nothing can hold is backordered
// when the order allows it, else cancelled.
//
// # Events
//
// Every transition is an Event, numbered gap-free by the Store in commit
// order: Service.Events(after, limit) is the outbox for notifications and
// marketplaces, Service.History lists one order's story.
//
// # An order and its stock cannot drift apart
//
// The order and the ledger live in two stores (they may be one database,
// but the Service does not assume a shared transaction). Placing first
// stores the order as Pending — the intent — then reserves, then stores
// the placed order. Reservation ids are deterministic (ReservationID: the
// k-th reservation of an order), and an order records how many it made, so
// the only reservation a crash can leave unrecorded is the next one.
// Recover fails the pending orders older than Options.PendingGrace and
// releases their reservation if it was made; every other operation on an
// order first checks for, and releases, an unrecorded next reservation.
// Ledger calls carry idempotency keys derived from the order's version, so
// retrying an operation that failed half-way (ledger written, order not)
// converges instead of settling units twice.
//
// Operations on one order are serialised inside a Service. Services in
// several processes may share the stores, but operations on one order must
// then go to one process at a time (route them by order id): an operation
// writes the ledger before it stores the order, and if two processes act
// on the same order at once the loser's Save fails with ErrConflict while
// its ledger write stays done, which leaves the order and its stock apart
// until an operator reconciles them.
//
// # Not built
//
// Payment capture and refunds (see the returns package, planned);
// click & collect by transfer to the pickup store: routing can plan it
// (routing.Delivery.AllowTransfer) but the OMS does not use it, since it
// needs transfer fulfilments that move the units through the ledger's
// in-transit bucket; ready-by promises (routing's ReadyByFilter is not in
// the default strategy and the OMS passes no ReadyBy); editing the lines of
// a placed order other than by cancelling units; a reconciliation pass
// over all open orders (each order reconciles when next touched); telling
// a caller of Place whether the order was created by this call or
// returned for a repeated key (compare the ids).
//
// Fulfilment ids are numbered F1, F2... in the order they are created;
// within one allocation, by delivery group then location id.
package orders
