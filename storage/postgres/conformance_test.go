package postgres

import (
	"testing"

	"github.com/omnikit/omnikit/storage/storagetest"
)

func TestInventoryConformance(t *testing.T) {
	testDSN(t)
	storagetest.RunInventory(t, harness())
}
