package storagetest

import "testing"

func testOrdersStore(t *testing.T, h OrdersHarness) {}
