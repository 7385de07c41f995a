module github.com/postern/postern

go 1.26.8
